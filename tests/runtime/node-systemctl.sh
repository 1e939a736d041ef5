#!/usr/bin/env bash
# node-systemctl.sh: the `systemctl` of a crips-node (crips-node.sh copies it to NODE/bin/systemctl).
# This machine has no systemd as PID 1, so Convert-DockerNodeToContainerd drives services through this
# double, found first on PATH. NODE is the directory above the one this file is in.
#
#   systemctl [OPTIONS] VERB [UNIT...]
#   verbs:   start stop restart enable disable (both with --now) mask unmask is-active is-enabled status
#            daemon-reload, show -p PROP[,PROP] [--value] (ActiveState, SubState, UnitFileState, MainPID)
#   options: --now, -q/--quiet, -p/--property=PROP, --value, --no-pager, --no-block, --system
#   units:   docker, containerd, kubelet (".service" optional), docker.socket; cri-docker.service and
#            cri-docker.socket on the 1.26 and 1.28 styles (they run cri-dockerd there)
#
#   docker      a real dockerd (package docker.io) with its own managed containerd, data and sockets below NODE,
#               run in the same private mount namespace as containerd (below), so /etc/docker is the node's.
#   containerd  the real containerd with `--config /etc/containerd/config.toml`, run inside NODE's persistent
#               private mount namespace (NODE/ns/mnt) in which node paths are binds of NODE/root/... .
#               start fails (exit 1) when it does not answer within CRIPS_NODE_START_TIMEOUT (10) seconds.
#   others      no such daemon can run here (no kubelet, no cri-dockerd): start/stop only record the state.
#
# Every call is appended to NODE/systemctl.log (its arguments, one line). enabled/disabled and the recorded
# active state live in NODE/units/UNIT.enabled and NODE/units/UNIT.active. Unknown verb, unit or option:
# exit 1 with a message on stderr. Exit codes follow systemctl: is-active 0/3, is-enabled 0/1, status 0/3.
set -euo pipefail
umask 022
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

NODE=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
readonly NODE
# shellcheck source=daemon-lib.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/daemon-lib.sh"
readonly ROOT=$NODE/root UNITS=$NODE/units PIDS=$NODE/pids LOGS=$NODE/log
readonly DOCKER_SOCK=$NODE/docker.sock DOCKER_PID=$NODE/pids/dockerd.pid
readonly CTD_SOCK=$NODE/ctd/run/containerd.sock CTD_PID=$NODE/pids/containerd.pid
readonly NS_DIR=$NODE/ns NS_FILE=$NODE/ns/mnt
readonly START_TIMEOUT=${CRIPS_NODE_START_TIMEOUT:-10}
DOCKERD_BIN=$(command -v dockerd || echo /usr/sbin/dockerd)
CTD_BIN=$(command -v containerd || echo /usr/bin/containerd)
# the versions crips-node.sh chose for this node (Debian packages of other suites, unpacked)
if [[ -f $NODE/bin/daemons.env ]]; then
  DOCKERD_BIN=$(sed -n 's/^DOCKERD_BIN=//p' "$NODE/bin/daemons.env")
  CTD_BIN=$(sed -n 's/^CTD_BIN=//p' "$NODE/bin/daemons.env")
fi
readonly DOCKERD_BIN CTD_BIN

printf '%s\n' "$*" >>"$NODE/systemctl.log"

fail() { echo "systemctl: $*" >&2; exit 1; }

# --- daemons --------------------------------------------------------------------------------

# stop_pid NAME PIDFILE BINARY SECONDS: TERM, then KILL, only the pid we recorded.
stop_pid() {
  if alive "$2" "$3"; then
    start-stop-daemon --stop --quiet --pidfile "$2" --exec "$3" --retry "TERM/$4/KILL/5" || true
  fi
  rm -f "$2"
}

docker_answers() { curl -fsS --max-time 2 --unix-socket "$DOCKER_SOCK" http://docker/_ping; }

start_docker() {
  alive "$DOCKER_PID" "$DOCKERD_BIN" && return 0
  rm -f "$DOCKER_PID" "$DOCKER_SOCK"
  mkdir -p "$PIDS" "$LOGS" "$NODE/docker" "$NODE/dx"
  ensure_namespace
  # In the node's namespace dockerd finds /etc/docker (its key.json, certs.d) at the node path, and the shims
  # of its containerd put their sockets in the node's /run/containerd/s, not the host's.
  # Private paths are flags, so daemon.json keeps only what a node's file holds (dockerd refuses a key given
  # both ways). dockerd writes its own pid file; ours (start-stop-daemon's) is the one we trust.
  # its own folder first (docker-proxy); its managed containerd stays the machine's
  PATH=$(dirname "$DOCKERD_BIN"):$PATH nsenter --mount="$NS_FILE" start-stop-daemon --start --quiet --background --make-pidfile --pidfile "$DOCKER_PID" \
    --output "$LOGS/dockerd.log" --exec "$DOCKERD_BIN" -- \
    --config-file "$ROOT/etc/docker/daemon.json" --data-root "$NODE/docker" --exec-root "$NODE/dx" \
    -H "unix://$DOCKER_SOCK" --pidfile "$NODE/dx/dockerd.pid" \
    --iptables=false --ip-masq=false --ip-forward=false --bridge=none 9>&-
  if ! wait_for "$(( START_TIMEOUT * 2 ))" docker_answers; then
    stop_pid dockerd "$DOCKER_PID" "$DOCKERD_BIN" 10
    fail "docker.service: dockerd did not answer on $DOCKER_SOCK; see $LOGS/dockerd.log"
  fi
}

stop_docker() { stop_pid dockerd "$DOCKER_PID" "$DOCKERD_BIN" 20; }

# ns_ready: NODE/ns/mnt holds a mount namespace (an nsfs bind mount), so it outlives any containerd.
ns_ready() { [[ $(findmnt -n -o FSTYPE --mountpoint "$NS_FILE" 2>/dev/null) == nsfs ]]; }

# make_namespace: once per node, a persistent private mount namespace in which /etc, /opt, /var/lib and
# /run are overlays whose upper layers are in NODE/ovl: whatever containerd, runc and CNI write under node
# paths stays in NODE, and missing mount points (/etc/cni, /opt/cni) can be made without touching the host.
make_namespace() {
  ns_ready && return 0
  mkdir -p "$NS_DIR"
  # a namespace file may only be bound on a mount with private propagation
  if ! mountpoint -q "$NS_DIR"; then
    mount --bind "$NS_DIR" "$NS_DIR"
    mount --make-private "$NS_DIR"
  fi
  touch "$NS_FILE"
  unshare --mount="$NS_FILE" --propagation private true
  local d name sub
  for d in /etc /opt /var/lib /run; do
    name=${d#/}; name=${name//\//-}
    mkdir -p "$NODE/ovl/$name/upper" "$NODE/ovl/$name/work"
    nsenter --mount="$NS_FILE" mount -t overlay "crips-node-$name" \
      -o "lowerdir=$d,upperdir=$NODE/ovl/$name/upper,workdir=$NODE/ovl/$name/work" "$d"
    # an overlay shows the lower directory without its submounts: put the host's back (resolv.conf & co.)
    while read -r sub; do
      sub=$(printf '%b' "$sub")
      [[ $sub == "$d"/* ]] || continue
      nsenter --mount="$NS_FILE" mount --bind "/proc/$$/root$sub" "$sub" || true
    done < <(awk -v p="$d/" 'index($5, p) == 1 { print $5 }' /proc/self/mountinfo)
  done
}

# bind_node_paths: (re)bind the node's directories at their node paths, on every start, so a directory
# the cmdlet replaced (rather than edited) is seen too.
bind_node_paths() {
  local pair src dst
  mkdir -p "$NODE/ctd/lib" "$NODE/ctd/run"
  for pair in "$ROOT/etc/containerd:/etc/containerd" "$ROOT/etc/cni:/etc/cni" "$ROOT/etc/docker:/etc/docker" \
              "$ROOT/opt/cni:/opt/cni" "$NODE/ctd/lib:/var/lib/containerd" "$NODE/ctd/run:/run/containerd"; do
    src=${pair%%:*} dst=${pair#*:}
    mkdir -p "$src"
    # shellcheck disable=SC2016 # $1 and $2 belong to the inner shell
    nsenter --mount="$NS_FILE" sh -c 'while mountpoint -q "$2"; do umount -l "$2"; done
                                      mkdir -p "$2" && mount --bind "$1" "$2"' bind "$src" "$dst"
  done
}

# ensure_namespace: the namespace with the node paths bound; they are bound again on each containerd start.
ensure_namespace() {
  ns_ready && return 0
  make_namespace
  bind_node_paths
}

ctd_answers() { [[ -S $CTD_SOCK ]] && timeout 3 ctr --connect-timeout 1s -a "$CTD_SOCK" version; }

# ctd_up: answers, or gave up; a containerd that exited (bad config) fails at once, not after the timeout.
ctd_up() {
  if ctd_answers; then return 0; fi
  # the pid file exists before the exec; only a vanished pid means containerd exited
  local pid
  pid=$(cat "$CTD_PID" 2>/dev/null || true)
  [[ -n $pid && ! -d /proc/$pid ]] && GAVE_UP=1
  (( GAVE_UP == 0 )) && return 1
  return 0
}

start_containerd() {
  alive "$CTD_PID" "$CTD_BIN" && return 0
  rm -f "$CTD_PID"
  mkdir -p "$PIDS" "$LOGS"
  make_namespace
  bind_node_paths
  rm -f "$CTD_SOCK" "$CTD_SOCK.ttrpc"
  local lines
  lines=0
  [[ -f $LOGS/containerd.log ]] && lines=$(wc -l <"$LOGS/containerd.log")
  # its own folder first: containerd starts the shim of its own version
  PATH=$(dirname "$CTD_BIN"):$PATH nsenter --mount="$NS_FILE" start-stop-daemon --start --quiet --background --make-pidfile \
    --pidfile "$CTD_PID" --output "$LOGS/containerd.log" --exec "$CTD_BIN" -- \
    --config /etc/containerd/config.toml 9>&-
  GAVE_UP=0
  if ! wait_for "$START_TIMEOUT" ctd_up || (( GAVE_UP )); then
    stop_pid containerd "$CTD_PID" "$CTD_BIN" 5
    fail "containerd.service: containerd exited or did not answer on $CTD_SOCK within ${START_TIMEOUT}s; last log lines:
$(tail -n "+$(( lines + 1 ))" "$LOGS/containerd.log" 2>/dev/null | tail -n 5)"
  fi
}

stop_containerd() { stop_pid containerd "$CTD_PID" "$CTD_BIN" 10; }

# --- units ----------------------------------------------------------------------------------

# unit_name ARG: the canonical unit name, or failure for a unit this node does not have.
unit_name() {
  local style
  style=$(cat "$UNITS/.style" 2>/dev/null || echo "")
  case $1 in
    docker|docker.service) echo docker.service ;;
    containerd|containerd.service) echo containerd.service ;;
    kubelet|kubelet.service) echo kubelet.service ;;
    docker.socket) echo docker.socket ;;
    cri-docker|cri-docker.service|cri-docker.socket)
      [[ $style == 1.23 ]] && return 1
      [[ $1 == *.socket ]] && echo cri-docker.socket || echo cri-docker.service ;;
    *) return 1 ;;
  esac
}

is_active() {
  case $1 in
    docker.service) alive "$DOCKER_PID" "$DOCKERD_BIN" ;;
    containerd.service) alive "$CTD_PID" "$CTD_BIN" ;;
    *) [[ $(cat "$UNITS/$1.active" 2>/dev/null) == active ]] ;;
  esac
}

active_state() { if is_active "$1"; then echo active; else echo inactive; fi; }
enabled_state() { cat "$UNITS/$1.enabled" 2>/dev/null || echo disabled; }
refuse_masked() { [[ $(enabled_state "$1") != masked ]] || fail "Unit $1 is masked."; }

main_pid() {
  case $1 in
    docker.service) alive "$DOCKER_PID" "$DOCKERD_BIN" && cat "$DOCKER_PID" || echo 0 ;;
    containerd.service) alive "$CTD_PID" "$CTD_BIN" && cat "$CTD_PID" || echo 0 ;;
    *) echo 0 ;;
  esac
}

start_unit() {
  case $1 in
    docker.service) start_docker ;;
    containerd.service) start_containerd ;;
    *) echo active >"$UNITS/$1.active" ;;
  esac
}

stop_unit() {
  case $1 in
    docker.service) stop_docker ;;
    containerd.service) stop_containerd ;;
    *) echo inactive >"$UNITS/$1.active" ;;
  esac
}

show_unit() {
  local prop props=$1 unit=$2 value
  for prop in ${props//,/ }; do
    case $prop in
      ActiveState) value=$(active_state "$unit") ;;
      SubState) if is_active "$unit"; then value=running; else value=dead; fi ;;
      UnitFileState) value=$(enabled_state "$unit") ;;
      MainPID) value=$(main_pid "$unit") ;;
      *) fail "show: property $prop is not supported by this double" ;;
    esac
    if (( VALUE_ONLY )); then echo "$value"; else echo "$prop=$value"; fi
  done
}

# --- command line ---------------------------------------------------------------------------

main() {
  local verb="" now=0 quiet=0 props="" arg unit rc=0
  local -a args=() units=()
  VALUE_ONLY=0
  while (( $# > 0 )); do
    arg=$1; shift
    case $arg in
      --now) now=1 ;;
      -q|--quiet) quiet=1 ;;
      --value) VALUE_ONLY=1 ;;
      -p|--property) (( $# > 0 )) || fail "option $arg needs a value"; props+=${props:+,}$1; shift ;;
      --property=*) props+=${props:+,}${arg#*=} ;;
      --no-pager|--no-block|--system|--no-ask-password) ;;
      -*) fail "unknown option $arg" ;;
      *) args+=("$arg") ;;
    esac
  done
  (( ${#args[@]} > 0 )) || fail "missing verb"
  verb=${args[0]}
  for arg in "${args[@]:1}"; do
    unit=$(unit_name "$arg") || fail "Unit $arg not found."
    units+=("$unit")
  done
  mkdir -p "$UNITS"

  case $verb in
    daemon-reload)
      (( ${#units[@]} == 0 )) || fail "daemon-reload takes no unit"
      date +%s.%N >"$UNITS/.daemon-reload"
      return 0 ;;
    start|stop|restart|enable|disable|mask|unmask|is-active|is-enabled|status|show) ;;
    *) fail "unknown verb $verb" ;;
  esac
  (( ${#units[@]} > 0 )) || fail "$verb needs a unit"
  [[ $verb == show && -z $props ]] && fail "show needs -p PROPERTY in this double"

  case $verb in
    start) for unit in "${units[@]}"; do refuse_masked "$unit"; start_unit "$unit"; done ;;
    stop) for unit in "${units[@]}"; do stop_unit "$unit"; done ;;
    restart) for unit in "${units[@]}"; do refuse_masked "$unit"; stop_unit "$unit"; start_unit "$unit"; done ;;
    mask) for unit in "${units[@]}"; do echo masked >"$UNITS/$unit.enabled"; done ;;
    unmask)
      for unit in "${units[@]}"; do
        [[ $(enabled_state "$unit") == masked ]] && echo disabled >"$UNITS/$unit.enabled"
      done
      return 0 ;;
    enable|disable)
      for unit in "${units[@]}"; do
        # like systemd: a masked unit can be neither enabled nor started (disable leaves the mask)
        [[ $verb == enable ]] && refuse_masked "$unit"
        [[ $(enabled_state "$unit") == masked ]] || echo "${verb}d" >"$UNITS/$unit.enabled"
        if (( now )); then
          if [[ $verb == enable ]]; then start_unit "$unit"; else stop_unit "$unit"; fi
        fi
      done ;;
    is-active)
      # like systemctl: success when at least one unit is active
      rc=3
      for unit in "${units[@]}"; do
        (( quiet )) || active_state "$unit"
        is_active "$unit" && rc=0
      done
      return "$rc" ;;
    is-enabled)
      rc=1
      for unit in "${units[@]}"; do
        (( quiet )) || enabled_state "$unit"
        [[ $(enabled_state "$unit") == enabled ]] && rc=0
      done
      return "$rc" ;;
    status)
      rc=0
      for unit in "${units[@]}"; do
        printf '* %s\n     Loaded: loaded (%s)\n     Active: %s\n' "$unit" "$(enabled_state "$unit")" \
          "$(if is_active "$unit"; then echo 'active (running)'; else echo 'inactive (dead)'; fi)"
        is_active "$unit" || rc=3
      done
      return "$rc" ;;
    show) for unit in "${units[@]}"; do show_unit "$props" "$unit"; done ;;
  esac
}

main "$@"
