#!/usr/bin/env bash
# crips-runtime.sh up|down [--purge]|status|bench-images [DIR]
#
# A throw-away container runtime for CriPS tests, entirely below DIR
# (default ${CRIPS_RUNTIME_DIR:-/tmp/crips-runtime}; keep it short, it holds unix sockets):
#   - a private containerd with its CRI plugin, socket DIR/containerd.sock, and CRI (only CRI, not containerd's API)
#     also on 127.0.0.1:TCP_PORT, a free port chosen once, then reused, that only root may connect to (iptables):
#     version $CRIPS_CONTAINERD (1.6, the machine's package, by default; 1.7 and 2.1 from other Debian suites, kept
#     in $CRIPS_PACKAGE_CACHE or /var/cache/crips-test-packages, see packages-lib.sh), its data in
#     DIR/ctd/VERSION, its config in the file version that containerd reads as it is (2, 3 or 4)
#   - a plain-HTTP docker-registry on 127.0.0.1:PORT (a free port, chosen once, then reused)
#   - two tiny images built offline (busybox, pause) and pushed to that registry
#   - a CNI bridge network "crips" (device crips0, or $CRIPS_BRIDGE; subnet 10.88.91.0/24 or $CRIPS_POD_SUBNET)
# `up` is idempotent and prints the path of DIR/runtime.env (KEY=VALUE lines) on stdout.
# `down` stops only the processes `up` recorded in DIR/pids; images and registry data stay
# unless --purge is given. `status` exits 0 when both daemons run, 1 otherwise. `bench-images` (after
# `up`) adds the 200 MB image the pull benchmark needs and prints its reference.
# CRIPS_USE_REGISTRY=127.0.0.1:PORT makes `up` use that registry (another private runtime's, already up)
# instead of starting its own and building the images: a second runtime then costs one containerd start,
# and both pull the very same images, as two nodes pulling from one registry do.
# The host's own containerd (/run/containerd) is never used, stopped or configured.
set -euo pipefail
umask 022
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

readonly BUSYBOX_TAGS=(1.36 latest)
readonly PAUSE_TAG=3.9
# A second runtime beside the first needs its own bridge and subnet: CRIPS_BRIDGE, CRIPS_POD_SUBNET.
readonly BRIDGE=${CRIPS_BRIDGE:-crips0}
readonly CONTAINERD_WANTED=${CRIPS_CONTAINERD:-1.6}
readonly SHARED_REGISTRY=${CRIPS_USE_REGISTRY:-}
readonly CNI_BIN=/usr/lib/cni
readonly FIRST_PORT=5100 LAST_PORT=5999
readonly FIRST_TCP_PORT=6100 LAST_TCP_PORT=6999
readonly NEEDED_CMDS=(containerd runc ctr docker-registry umoci skopeo busybox gcc curl
                      start-stop-daemon ss ip iptables tmux)
readonly PACKAGES=(containerd runc containernetworking-plugins docker-registry umoci skopeo
                   busybox-static gcc libc6-dev curl iproute2 iptables tmux)

log() { printf '%(%H:%M:%S)T crips-runtime: %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
# shellcheck source=daemon-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/daemon-lib.sh"
# shellcheck source=packages-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/packages-lib.sh"

usage() {
  echo "usage: ${0##*/} up|down [--purge]|status|bench-images [DIR]" >&2
  exit 2
}

# --- paths ----------------------------------------------------------------------------------

# set_paths DIR: every path the script uses, derived from one absolute DIR.
set_paths() {
  DIR=$(realpath -m "$1")
  [[ $DIR != / ]] || die "refusing to use / as runtime directory"
  SOCK=$DIR/containerd.sock
  # sun_path holds 108 bytes; the ttrpc socket adds ".ttrpc" and we want some slack.
  (( ${#SOCK} + 6 < 100 )) || die "DIR too long for a unix socket path: $DIR"
  ENV_FILE=$DIR/runtime.env
  PIDS=$DIR/pids
  OCI=$DIR/oci
  CTD_CONF=$DIR/containerd.toml
  CERTS=$DIR/certs.d
  CNI_CONF=$DIR/cni/net.d
  REG_PID=$PIDS/registry.pid
  # Written by `up` with CRIPS_USE_REGISTRY: the registry is someone else's, status must not count it.
  REG_SHARED=$DIR/registry.shared
  CTD_PID=$PIDS/containerd.pid
  CTD_SUM=$PIDS/containerd.sum
  # the binary `up` started (versions differ in path), so down and status check and stop that one
  CTD_EXE=$PIDS/containerd.exe
  REG_BIN=$(command -v docker-registry || echo /usr/bin/docker-registry)
  CTD_BIN=$(cat "$CTD_EXE" 2>/dev/null || command -v containerd || echo /usr/bin/containerd)
}

# select_containerd: the containerd of CRIPS_CONTAINERD, its ctr, its data folder and its config version.
# CRIPS_CONTAINERD_BIN_DIR names a folder of containerd, ctr and containerd-shim-runc-v2 built elsewhere (a release
# no Debian suite ships, such as 2.3) instead; its version is read from the binary.
select_containerd() {
  local bindir
  if [[ -n ${CRIPS_CONTAINERD_BIN_DIR:-} ]]; then
    bindir=$CRIPS_CONTAINERD_BIN_DIR
    [[ -x $bindir/containerd && -x $bindir/ctr && -x $bindir/containerd-shim-runc-v2 ]] \
      || die "CRIPS_CONTAINERD_BIN_DIR=$bindir lacks containerd, ctr or containerd-shim-runc-v2"
  else
    bindir=$(containerd_bin_dir "$CONTAINERD_WANTED" "$PACKAGE_CACHE") || exit 1
  fi
  NEW_CTD_BIN=$bindir/containerd
  CTR_BIN=$bindir/ctr
  CTD_VERSION=$(containerd_version "$NEW_CTD_BIN")
  CTD_CONFIG_VERSION=$(containerd_config_version "$CTD_VERSION")
  CTD_DATA=$DIR/ctd/${CTD_VERSION%.*}
}

# --- small helpers --------------------------------------------------------------------------

need_root() {
  if [[ $(id -u) != 0 ]]; then
    echo "crips-runtime: must run as root (it starts containerd and creates network devices)" >&2
    exit 3
  fi
}

# put_file DEST < content: replace DEST only when the content differs, so unchanged
# files keep their mtime (containerd's CNI watcher and our checksum stay quiet).
put_file() {
  local tmp=$1.new
  cat >"$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv -f "$tmp" "$1"; fi
}

# start_daemon PIDFILE LOG BINARY ARGS...: detach BINARY with a pid file we own.
# The lock descriptor is closed so the daemon does not hold our lock forever.
start_daemon() {
  local pidfile=$1 logfile=$2 bin=$3; shift 3
  start-stop-daemon --start --quiet --background --make-pidfile --pidfile "$pidfile" \
    --output "$logfile" --exec "$bin" -- "$@" 9>&-
}

# stop_daemon NAME PIDFILE BINARY: TERM, then KILL, only the pid we recorded.
stop_daemon() {
  if alive "$2" "$3"; then
    start-stop-daemon --stop --quiet --pidfile "$2" --exec "$3" --retry TERM/10/KILL/5 \
      --remove-pidfile || true
    log "$1 stopped"
  fi
  rm -f "$2"
}

# lock: serialise concurrent up/down calls on the same DIR.
lock() {
  mkdir -p "$DIR"
  exec 9>"$DIR/.lock"
  flock -w 300 9 || die "another crips-runtime call holds $DIR/.lock"
}

# --- up: prerequisites ----------------------------------------------------------------------

# ensure_packages: install the Debian packages once, only if something is missing.
ensure_packages() {
  local c missing=()
  for c in "${NEEDED_CMDS[@]}"; do command -v "$c" >/dev/null || missing+=("$c"); done
  [[ -x $CNI_BIN/bridge ]] || missing+=("$CNI_BIN/bridge")
  (( ${#missing[@]} == 0 )) && return 0
  log "missing: ${missing[*]}; installing Debian packages"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${PACKAGES[@]}" >&2
  REG_BIN=$(command -v docker-registry)
}

# --- up: registry ---------------------------------------------------------------------------

# port_free PORT: nothing listens (ss) and nothing answers (curl exit 7 = could not connect).
port_free() {
  local rc=0
  [[ -z $(ss -Hltn "sport = :$1") ]] || return 1
  curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/" || rc=$?
  (( rc == 7 ))
}

# choose_registry: reuse the port remembered in runtime.env if it is ours or still free,
# otherwise take the first free one from FIRST_PORT up.
choose_registry() {
  local port=""
  [[ -f $ENV_FILE ]] && port=$(sed -n 's/^CRIPS_REGISTRY=127\.0\.0\.1:\([0-9]\+\)$/\1/p' "$ENV_FILE")
  if [[ -n $port ]] && { alive "$REG_PID" "$REG_BIN" || port_free "$port"; }; then
    REG=127.0.0.1:$port
    return
  fi
  [[ -n $port ]] && log "remembered registry port $port is taken by something else; choosing another"
  stop_daemon registry "$REG_PID" "$REG_BIN"   # our registry on an old port, if any
  for (( port = FIRST_PORT; port <= LAST_PORT; port++ )); do
    if port_free "$port"; then REG=127.0.0.1:$port; return; fi
  done
  die "no free TCP port in $FIRST_PORT-$LAST_PORT"
}

start_registry() {
  mkdir -p "$DIR/registry/data" "$DIR/log" "$PIDS"
  put_file "$DIR/registry/config.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $DIR/registry/data
  delete:
    enabled: true
http:
  addr: $REG
  secret: crips-loopback-only
health:
  storagedriver:
    enabled: false
EOF
  if alive "$REG_PID" "$REG_BIN"; then
    log "registry already running (pid $(<"$REG_PID"), $REG)"
  else
    rm -f "$REG_PID"
    start_daemon "$REG_PID" "$DIR/log/registry.log" "$REG_BIN" serve "$DIR/registry/config.yml"
    log "registry started (pid $(<"$REG_PID"), $REG)"
  fi
  # Answering is not enough: another runtime's `up` may have taken the port between our check and our bind,
  # and then its registry answers while ours has exited. The listener must be our pid.
  wait_for 15 registry_is_ours || return 1
}

registry_is_ours() {
  local listeners
  alive "$REG_PID" "$REG_BIN" && curl -fsS -o /dev/null "http://$REG/v2/" || return 1
  listeners=$(ss -Hltnp "sport = :${REG##*:}")   # captured first, as in has_tag
  grep -q "pid=$(<"$REG_PID")," <<<"$listeners"
}

# choose_tcp_port: containerd's CRI port on loopback: the one remembered in runtime.env if our containerd listens
# there or it is free, otherwise a free one from a random start in FIRST_TCP_PORT-LAST_TCP_PORT (two runtimes brought
# up at once then rarely pick the same port).
choose_tcp_port() {
  local port="" start span=$(( LAST_TCP_PORT - FIRST_TCP_PORT + 1 )) i
  [[ -f $ENV_FILE ]] && port=$(sed -n 's|^CRIPS_RUNTIME_TCP_ENDPOINT=tcp://127\.0\.0\.1:\([0-9]\+\)$|\1|p' "$ENV_FILE")
  if [[ -n $port ]] && { tcp_is_ours "$port" || port_free "$port"; }; then
    TCP_PORT=$port
    return
  fi
  start=$(( RANDOM % span ))
  for (( i = 0; i < span; i++ )); do
    port=$(( FIRST_TCP_PORT + (start + i) % span ))
    if port_free "$port"; then TCP_PORT=$port; return; fi
  done
  die "no free TCP port in $FIRST_TCP_PORT-$LAST_TCP_PORT"
}

# tcp_is_ours PORT: our containerd owns the listener on PORT.
tcp_is_ours() {
  local listeners
  alive "$CTD_PID" "$CTD_BIN" || return 1
  listeners=$(ss -Hltnp "sport = :$1")
  grep -q "pid=$(<"$CTD_PID")," <<<"$listeners"
}

# guard_tcp_port: the tcp listener has no authentication (containerd's TLS options are off), so only root may connect
# to it, as only root may open the Unix socket: an iptables owner match on loopback rejects everyone else. The rules
# carry a tag of DIR; those of an earlier port go.
guard_tcp_port() {
  local rule=(OUTPUT -o lo -p tcp -d 127.0.0.1 --dport "$TCP_PORT" -m owner ! --uid-owner 0
              -m comment --comment "$(tcp_guard_tag)" -j REJECT --reject-with tcp-reset)
  unguard_tcp_port "$TCP_PORT"
  iptables -w -C "${rule[@]}" 2>/dev/null || iptables -w -I "${rule[@]}" \
    || die "could not keep users other than root off 127.0.0.1:$TCP_PORT (iptables owner match)"
}

tcp_guard_tag() { echo "crips-tcp-$(sha256sum <<<"$DIR" | cut -c1-12)"; }

# unguard_tcp_port [KEEP_PORT]: deletes this DIR's guard rules but the one of KEEP_PORT.
unguard_tcp_port() {
  local line args
  command -v iptables >/dev/null || return 0
  while read -r line; do
    [[ -n ${1:-} && $line == *"--dport $1 "* ]] && continue
    read -ra args <<<"${line/#-A /-D }"
    iptables -w "${args[@]}" || log "WARNING: could not delete iptables rule: $line"
  done < <(iptables -w -S OUTPUT 2>/dev/null | grep -F -- "--comment $(tcp_guard_tag) " || true)
}

# --- up: images -----------------------------------------------------------------------------

# has_tag TAG (output captured first: grep -q closing the pipe early would trip pipefail)
has_tag() {
  local tags
  tags=$(umoci ls --layout "$OCI" 2>/dev/null) || return 1
  grep -qx -- "$1" <<<"$tags"
}

# stage_busybox ROOT: busybox-static with hard-linked applets, minimal /etc, sticky /tmp.
stage_busybox() {
  local root=$1 applet
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,home,tmp,proc,sys,dev,var/run}
  chmod 1777 "$root/tmp"
  install -m 0755 "$(readlink -f "$(command -v busybox)")" "$root/bin/busybox"
  # hard links (not symlinks) so every applet is the same inode, as in upstream busybox images
  for applet in $("$root/bin/busybox" --list); do
    [[ $applet == busybox ]] || ln -f "$root/bin/busybox" "$root/bin/$applet"
  done
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/home:/bin/false' \
    >"$root/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nobody:x:65534:' >"$root/etc/group"
}

# stage_pause ROOT: a static /pause that sleeps, reaps children, and exits 0 on TERM/INT.
stage_pause() {
  gcc -static -Os -s -o "$1/pause" -x c - <<'EOF'
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
static void on_stop(int sig) { (void)sig; _exit(0); }
static void on_child(int sig) { (void)sig; while (waitpid(-1, NULL, WNOHANG) > 0) {} }
int main(void) {
  struct sigaction stop = {0}, child = {0};
  stop.sa_handler = on_stop;
  child.sa_handler = on_child;
  child.sa_flags = SA_NOCLDSTOP | SA_RESTART;
  sigaction(SIGTERM, &stop, NULL);
  sigaction(SIGINT, &stop, NULL);
  sigaction(SIGCHLD, &child, NULL);
  for (;;) pause();
}
EOF
}

# build_image NAME STAGE_FN UMOCI_CONFIG_ARGS...: one-layer image from the files STAGE_FN
# writes. `umoci raw add-layer` of a tarball avoids unpack/repack. Tagged NAME only at the end,
# so an interrupted build is redone next time.
build_image() {
  local name=$1 stage_fn=$2 wip=$1-wip stage=$DIR/stage-$1; shift 2
  has_tag "$name" && return 0
  log "building image $name"
  [[ -f $OCI/index.json ]] || umoci init --layout "$OCI"
  has_tag "$wip" && umoci rm --image "$OCI:$wip"
  rm -rf "$stage" "$stage.tar"
  mkdir -m 0755 "$stage"
  "$stage_fn" "$stage"
  tar --numeric-owner --owner=0 --group=0 -C "$stage" -cf "$stage.tar" .
  umoci new --image "$OCI:$wip"
  umoci raw add-layer --image "$OCI:$wip" "$stage.tar"
  umoci config --image "$OCI:$wip" "$@"
  umoci tag --image "$OCI:$wip" "$name"
  umoci rm --image "$OCI:$wip"
  rm -rf "$stage" "$stage.tar"
}

# derive_image NAME FROM UMOCI_CONFIG_ARGS...: FROM with another config, hence another image id, and
# no new layer. Tests remove and prune it freely, since nothing else uses it.
derive_image() {
  local name=$1 from=$2; shift 2
  has_tag "$name" && return 0
  log "deriving image $name from $from"
  umoci config --image "$OCI:$from" --tag "$name" "$@"
}

# add_big_layer NAME FROM MEGABYTES: FROM plus one layer of random bytes, big enough that a pull takes a
# while over loopback, so pull progress has something to show.
add_big_layer() {
  local name=$1 from=$2 mb=$3 stage=$DIR/stage-$1
  has_tag "$name" && return 0
  log "building image $name ($mb MB of random data on $from)"
  rm -rf "$stage" "$stage.tar"
  mkdir -p "$stage/data"
  head -c "$((mb * 1000000))" /dev/urandom >"$stage/data/random.bin"
  tar --numeric-owner --owner=0 --group=0 -C "$stage" -cf "$stage.tar" .
  umoci raw add-layer --image "$OCI:$from" --tag "$name" "$stage.tar"
  rm -rf "$stage" "$stage.tar"
}

# in_registry REPO:TAG: the registry already serves this manifest (OCI or Docker v2).
in_registry() {
  curl -fs -o /dev/null -I \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REG/v2/${1%:*}/manifests/${1##*:}"
}

# push LOCAL_TAG REPO:TAG: copy from the OCI layout unless the registry has it already.
push() {
  in_registry "$2" && return 0
  log "pushing $1 -> $REG/$2"
  # --insecure-policy: no dependency on /etc/containers/policy.json for a local copy
  skopeo --insecure-policy copy -q --dest-tls-verify=false "oci:$OCI:$1" "docker://$REG/$2" >&2
}

ensure_images() {
  local tag
  build_image busybox stage_busybox \
    --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --config.cmd sh --config.workingdir /
  build_image pause stage_pause --config.entrypoint /pause --config.user 65535:65535
  derive_image spare busybox --config.label crips.role=spare
  add_big_layer big spare 100
  for tag in "${BUSYBOX_TAGS[@]}"; do push busybox "crips/busybox:$tag"; done
  push pause "crips/pause:$PAUSE_TAG"
  push spare "crips/spare:1"
  push big "crips/big:1"
}

# --- up: CNI, registry hosts, containerd config ---------------------------------------------

write_cni() {
  mkdir -p "$CNI_CONF" "$DIR/cni/ipam"
  bridge_conflist "crips" "$BRIDGE" "${CRIPS_POD_SUBNET:-10.88.91.0/24}" "$DIR/cni/ipam" | put_file "$CNI_CONF/10-crips.conflist"
}

# write_hosts: containerd reaches our registry over plain HTTP through certs.d/REG/hosts.toml;
# directories left from an earlier port are dropped.
write_hosts() {
  local d
  mkdir -p "$CERTS/$REG"
  for d in "$CERTS"/*/; do
    [[ ${d%/} == "$CERTS/$REG" ]] || rm -rf "$d"
  done
  put_file "$CERTS/$REG/hosts.toml" <<EOF
server = "http://$REG"

[host."http://$REG"]
  capabilities = ["pull", "resolve"]
EOF
}

# write_containerd_config: the same settings in the file version this containerd reads as it is (2 for 1.x; 3 for
# 2.0-2.2, where the CRI plugin split into images and runtime; 4 for 2.3+, where the servers became plugins). NRI is
# off: from 2.0 it is on by default and would listen on the host's /var/run/nri/nri.sock.
write_containerd_config() {
  local nri=""
  mkdir -p "$CTD_DATA"/{root,state,opt,runc}
  (( CTD_CONFIG_VERSION > 2 )) && nri='
  "io.containerd.nri.v1.nri",'
  {
    cat <<EOF
version = $CTD_CONFIG_VERSION
root = "$CTD_DATA/root"
state = "$CTD_DATA/state"
# none of the host's drop-ins (2.x reads /etc/containerd/conf.d/*.toml unless told otherwise)
imports = []
disabled_plugins = [
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs",$nri
]

EOF
    if (( CTD_CONFIG_VERSION < 4 )); then
      cat <<EOF
[grpc]
  address = "$SOCK"
  tcp_address = "127.0.0.1:$TCP_PORT"

[ttrpc]
  address = "$SOCK.ttrpc"

[debug]
  address = ""

[metrics]
  address = ""
EOF
    else
      cat <<EOF
[plugins."io.containerd.server.v1.grpc"]
  address = "$SOCK"

[plugins."io.containerd.server.v1.ttrpc"]
  address = "$SOCK.ttrpc"

[plugins."io.containerd.server.v1.grpc-tcp"]
  address = "127.0.0.1:$TCP_PORT"
EOF
    fi
    cat <<EOF

[plugins."io.containerd.internal.v1.opt"]
  path = "$CTD_DATA/opt"
EOF
    if (( CTD_CONFIG_VERSION == 2 )); then cri_config_v2; else cri_config_v3; fi
  } | put_file "$CTD_CONF"
}

# CRI is served on the tcp listener only with disable_tcp_service = false (true by default in 1.x and 2.x).
# The CRI settings of containerd 1.x: one plugin. Root here lacks CAP_SYS_RESOURCE; without restrict_oom_score_adj
# every RunPodSandbox fails in runc ("can't get final child's PID from pipe: EOF").
cri_config_v2() {
  cat <<EOF

[plugins."io.containerd.grpc.v1.cri"]
  disable_tcp_service = false
  sandbox_image = "$REG/crips/pause:$PAUSE_TAG"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  restrict_oom_score_adj = true

  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = "$CTD_DATA/runc"
        SystemdCgroup = false

  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN"
    conf_dir = "$CNI_CONF"
    max_conf_num = 1

  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$CERTS"
EOF
}

# The same for containerd 2.x: images, runtime and the streaming server are three plugins.
cri_config_v3() {
  cat <<EOF

[plugins."io.containerd.grpc.v1.cri"]
  disable_tcp_service = false
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"

[plugins."io.containerd.cri.v1.images"]
  snapshotter = "overlayfs"

  [plugins."io.containerd.cri.v1.images".pinned_images]
    sandbox = "$REG/crips/pause:$PAUSE_TAG"

  [plugins."io.containerd.cri.v1.images".registry]
    config_path = "$CERTS"

[plugins."io.containerd.cri.v1.runtime"]
  restrict_oom_score_adj = true

  [plugins."io.containerd.cri.v1.runtime".containerd]
    default_runtime_name = "runc"

    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
        Root = "$CTD_DATA/runc"
        SystemdCgroup = false

  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = ["$CNI_BIN"]
    conf_dir = "$CNI_CONF"
    max_conf_num = 1
EOF
}

# --- up: containerd -------------------------------------------------------------------------

ctd_answers() { timeout 5 "$CTR_BIN" --connect-timeout 2s -a "$SOCK" version >/dev/null 2>&1; }

# start_containerd: the selected version; a running one of ours with another config (or another version, whose
# config differs in its data folder) is stopped first. Its own folder comes first on PATH, so containerd starts
# the shim of its own version, not the machine's.
start_containerd() {
  local sum plugins
  sum=$(sha256sum "$CTD_CONF" "$NEW_CTD_BIN" | sha256sum | cut -d' ' -f1)
  if alive "$CTD_PID" "$CTD_BIN" && [[ $(cat "$CTD_SUM" 2>/dev/null) != "$sum" ]]; then
    log "containerd binary or config changed; restarting (running shims survive)"
    stop_daemon containerd "$CTD_PID" "$CTD_BIN"
  fi
  if alive "$CTD_PID" "$CTD_BIN"; then
    log "containerd $CTD_VERSION already running (pid $(<"$CTD_PID"))"
  else
    rm -f "$CTD_PID"
    if [[ -S $SOCK ]] && ctd_answers; then
      die "a containerd we did not start answers on $SOCK; refusing to touch it"
    fi
    rm -f "$SOCK" "$SOCK.ttrpc"
    echo "$sum" >"$CTD_SUM"
    CTD_BIN=$NEW_CTD_BIN
    echo "$CTD_BIN" >"$CTD_EXE"
    PATH=$(dirname "$CTD_BIN"):$PATH start_daemon "$CTD_PID" "$DIR/log/containerd.log" "$CTD_BIN" --config "$CTD_CONF"
    log "containerd $CTD_VERSION started (pid $(<"$CTD_PID"))"
  fi
  wait_for 30 ctd_answers || die "containerd does not answer on $SOCK; see $DIR/log/containerd.log"
  # a config mistake shows up as a CRI plugin that failed to load, not as a dead daemon
  plugins=$("$CTR_BIN" -a "$SOCK" plugins ls 2>/dev/null) || true
  grep -Eq '^io\.containerd\.grpc\.v1[[:space:]]+cri[[:space:]].*[[:space:]]ok[[:space:]]*$' <<<"$plugins" \
    || die "containerd runs but its CRI plugin is not ok; see $DIR/log/containerd.log"
  wait_for 10 tcp_is_ours "$TCP_PORT" || die "containerd does not listen on 127.0.0.1:$TCP_PORT; see $DIR/log/containerd.log"
}

# write_env_files: runtime.env (no quotes, no export: readable by sh and PowerShell) and crictl.yaml.
write_env_files() {
  put_file "$ENV_FILE" <<EOF
CRIPS_RUNTIME_DIR=$DIR
CRIPS_RUNTIME_ENDPOINT=unix://$SOCK
CRIPS_RUNTIME_TCP_ENDPOINT=tcp://127.0.0.1:$TCP_PORT
CONTAINERD_ADDRESS=$SOCK
CRIPS_REGISTRY=$REG
CRIPS_BUSYBOX_IMAGE=$REG/crips/busybox:${BUSYBOX_TAGS[0]}
CRIPS_PAUSE_IMAGE=$REG/crips/pause:$PAUSE_TAG
CRIPS_SPARE_IMAGE=$REG/crips/spare:1
CRIPS_BIG_IMAGE=$REG/crips/big:1
CRIPS_CONTAINERD_VERSION=$CTD_VERSION
EOF
  put_file "$DIR/crictl.yaml" <<EOF
runtime-endpoint: unix://$SOCK
image-endpoint: unix://$SOCK
timeout: 10
EOF
}

# use_shared_registry: the registry of CRIPS_USE_REGISTRY must answer and serve the images runtime.env names.
use_shared_registry() {
  [[ $SHARED_REGISTRY =~ ^127\.0\.0\.1:[0-9]+$ ]] || die "CRIPS_USE_REGISTRY must be 127.0.0.1:PORT, not '$SHARED_REGISTRY'"
  REG=$SHARED_REGISTRY
  alive "$REG_PID" "$REG_BIN" && die "$DIR runs its own registry; run 'down' before using another"
  curl -fsS -o /dev/null --max-time 5 "http://$REG/v2/" || die "no registry answers on $REG"
  in_registry "crips/busybox:${BUSYBOX_TAGS[0]}" && in_registry "crips/pause:$PAUSE_TAG" \
    || die "$REG does not serve crips/busybox and crips/pause (bring its runtime up first)"
  echo "$REG" >"$REG_SHARED"
  log "using the registry of another runtime: http://$REG"
}

cmd_up() {
  need_root
  ensure_packages
  lock
  mkdir -p "$PIDS" "$DIR/log"
  select_containerd
  choose_tcp_port
  guard_tcp_port
  if [[ -n $SHARED_REGISTRY ]]; then
    use_shared_registry
    write_env_files
  else
    rm -f "$REG_SHARED"
    local attempt
    for attempt in 1 2 3; do
      choose_registry
      write_env_files        # early, so the chosen port is remembered even if a later step fails
      start_registry && break
      (( attempt < 3 )) || die "registry does not answer as ours on $REG; see $DIR/log/registry.log"
      log "registry on $REG is not ours (port taken meanwhile?); choosing another port"
    done
    ensure_images
  fi
  write_cni
  write_hosts
  write_containerd_config
  start_containerd
  log "up: containerd unix://$SOCK, registry http://$REG"
  echo "$ENV_FILE"
}

# --- down -----------------------------------------------------------------------------------

# warn_leftovers: pods should have been removed through CRI first; name what remains.
warn_leftovers() {
  local t n=0
  for t in "$DIR"/ctd/*/state/io.containerd.runtime.v2.task/*/*; do
    [[ -e $t ]] || continue
    log "WARNING: task state remains: ${t#"$DIR"/ctd/} (its shim may still run)"
    n=$(( n + 1 ))
  done
  if (( n > 0 )) && command -v iptables >/dev/null \
     && iptables -w -t nat -S 2>/dev/null | grep -q 'name: \\"crips\\"'; then
    log "WARNING: CNI masquerade rules for network crips remain (remove pods through CRI to clean them)"
  fi
}

# unmount_below: lazily unmount whatever is still mounted under DIR, deepest path first.
unmount_below() {
  local m
  awk -v p="$DIR/" 'index($2, p) == 1 { print $2 }' /proc/self/mounts | sort -r |
    while read -r m; do
      m=$(printf '%b' "$m")   # /proc/self/mounts escapes blanks as \040
      if umount -l "$m"; then log "unmounted $m"; else log "WARNING: could not unmount $m"; fi
    done
}

purge() {
  if ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link delete "$BRIDGE" && log "deleted bridge $BRIDGE"
  fi
  rm -rf "${DIR:?}"/{ctd,registry,oci,cni,certs.d,log,pids} "$DIR"/stage-* \
    "$SOCK" "$SOCK.ttrpc" "$CTD_CONF" "$ENV_FILE" "$DIR/crictl.yaml" "$DIR/.lock" "$REG_SHARED"
  rmdir "$DIR" 2>/dev/null || true
  log "purged $DIR"
}

cmd_down() {
  need_root
  [[ -d $DIR ]] || { log "nothing to do: $DIR does not exist"; return 0; }
  lock
  stop_daemon containerd "$CTD_PID" "$CTD_BIN"
  unguard_tcp_port
  stop_daemon registry "$REG_PID" "$REG_BIN"
  warn_leftovers
  unmount_below
  if (( PURGE )); then purge; fi
  log "down"
}

# --- status ---------------------------------------------------------------------------------

# report NAME PIDFILE BINARY DETAIL: one line; returns 1 when stopped.
report() {
  if alive "$2" "$3"; then
    printf '%-10s running pid %s %s\n' "$1" "$(<"$2")" "$4"
  else
    printf '%-10s stopped pid -\n' "$1"
    return 1
  fi
}

cmd_status() {
  need_root
  local rc=0 reg=""
  [[ -f $ENV_FILE ]] && reg=$(sed -n 's/^CRIPS_REGISTRY=//p' "$ENV_FILE")
  if [[ -f $REG_SHARED ]]; then
    printf '%-10s shared     http://%s (not ours)\n' registry "$(<"$REG_SHARED")"
  else
    report registry "$REG_PID" "$REG_BIN" "http://$reg" || rc=1
  fi
  report containerd "$CTD_PID" "$CTD_BIN" "unix://$SOCK" || rc=1
  return "$rc"
}

# bench-images: two layers of 100 MB random bytes on spare, pushed as crips/bench200:1. Built only for
# `build.ps1 Bench`, so `up` stays quick for the tests.
cmd_bench_images() {
  need_root
  [[ -f $ENV_FILE ]] || die "run 'up' first"
  [[ ! -f $REG_SHARED ]] || die "$DIR uses another runtime's registry: run bench-images there"
  REG=$(sed -n 's/^CRIPS_REGISTRY=//p' "$ENV_FILE")
  add_big_layer bench100 spare 100
  add_big_layer bench200 bench100 100
  push bench200 crips/bench200:1
  echo "$REG/crips/bench200:1"
}

# --- main -----------------------------------------------------------------------------------

main() {
  local cmd=${1:-} dir="" arg
  PURGE=0
  (( $# > 0 )) && shift
  for arg in "$@"; do
    case $arg in
      --purge) [[ $cmd == down ]] || usage; PURGE=1 ;;
      -*) usage ;;
      *) [[ -z $dir ]] || usage; dir=$arg ;;
    esac
  done
  set_paths "${dir:-${CRIPS_RUNTIME_DIR:-/tmp/crips-runtime}}"
  case $cmd in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    bench-images) cmd_bench_images ;;
    *) usage ;;
  esac
}

main "$@"
