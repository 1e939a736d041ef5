# daemon-lib.sh: what the runtime scripts share (their daemons' pid files, waiting, the CNI network). Sourced, never run:
# crips-runtime.sh, crips-node.sh, crips-sshd.sh, and node-systemctl.sh (crips-node.sh installs a copy beside it).

# alive PIDFILE BINARY: true when the recorded pid still runs BINARY (a stale or reused
# pid must never be signalled or mistaken for our daemon).
alive() {
  local pid
  [[ -s $1 ]] || return 1
  pid=$(<"$1")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ $(readlink -f "/proc/$pid/exe" 2>/dev/null) == "$(readlink -f "$2")" ]]
}

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds or SECONDS of wall time have passed
# (wall time, not a count of tries: a loaded machine must not stretch the deadline).
wait_for() {
  local deadline=$(( $(date +%s%N) + $1 * 1000000000 )); shift
  until "$@" >/dev/null 2>&1; do
    (( $(date +%s%N) < deadline )) || return 1
    sleep 0.1
  done
}

# bridge_conflist NAME BRIDGE SUBNET IPAM_DIR: the CNI bridge network (with portmap and loopback) of the private
# runtime and of the prepared nodes, on stdout.
bridge_conflist() {
  cat <<EOF_CONFLIST
{
  "cniVersion": "1.0.0",
  "name": "$1",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$2",
      "isGateway": true,
      "ipMasq": true,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$4",
        "ranges": [[{ "subnet": "$3" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } },
    { "type": "loopback" }
  ]
}
EOF_CONFLIST
}
