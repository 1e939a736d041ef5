#!/usr/bin/env bash
# crips-node.sh up|down [--purge]|status [DIR] [--style 1.23|1.26|1.28]
#
# A Kubernetes node that still runs Docker Engine, entirely below DIR (default /tmp/crips-node; keep it
# short, it holds unix sockets), for testing Convert-DockerNodeToContainerd -Root DIR/root:
#   DIR/root       the node's files at their node paths (etc/docker, etc/containerd, etc/cni, opt/cni/bin,
#                  var/lib/kubelet, etc/default/kubelet, systemd drop-ins), in the shape of --style:
#                  1.23 kubelet with dockershim, 1.26 and 1.28 kubelet with cri-dockerd (default 1.26)
#   DIR/root.orig  a pristine copy (cp -a) taken by the first `up`, to compare bytes and modes against
#   DIR/bin        `systemctl` (node-systemctl.sh, see its header) and `kubelet` doubles: prepend to PATH
#   containerd     the real containerd, configured as Docker's containerd package ships it (CRI disabled),
#                  run by `systemctl start containerd` in a persistent private mount namespace (DIR/ns/mnt)
#                  where /etc/containerd, /etc/cni, /etc/docker, /opt/cni are DIR/root/..., /var/lib/containerd
#                  is DIR/ctd/lib and /run/containerd is DIR/ctd/run; /etc, /opt, /var/lib and /run are
#                  overlays there (upper layers in DIR/ovl). Its socket is DIR/ctd/run/containerd.sock.
#   dockerd        a real Docker Engine (package docker.io, own managed containerd) started by `systemctl start
#                  docker` in the same namespace (so its key.json lands in DIR/root/etc/docker), data in
#                  DIR/docker and DIR/dx, socket DIR/docker.sock, with images busybox + pause (tagged) + one
#                  untagged image, and a running container that bind-mounts the Docker socket, as log
#                  shippers and CI agents do
#   versions       containerd $CRIPS_CONTAINERD (1.6, the machine's package, by default; 1.7; 2.1) and Docker
#                  $CRIPS_DOCKER (20.10, the machine's, by default; 26.1, Debian 13's, whose `docker save` writes an
#                  OCI layout), taken from Debian's packages as packages-lib.sh says; DIR/bin/daemons.env names the
#                  binaries for the systemctl double. A node keeps the versions it was made with until `down --purge`.
#                  CRIPS_CONTAINERD_BIN_DIR names a containerd built elsewhere (2.3, by hand) instead of the package.
#   kubelet        cannot run here: the double only records start/stop; `kubelet --version` answers the style's
#                  version
# Needs `crips-runtime.sh up` first (its registry serves the images; $CRIPS_RUNTIME_DIR/runtime.env).
# `up` is idempotent: it writes the tree only when DIR/root.orig is missing, starts what is stopped, and
# prints the path of DIR/node.env (KEY=VALUE lines, no quotes). `down` removes the Docker containers `up`
# started, stops only the daemons the double recorded, kills shims left in our namespace, unmounts
# everything below DIR, deletes the CNI bridge; with --purge it deletes DIR. CRI pods: remove them through
# CRI before `down` (NodeFixture.psm1's Stop-CripsNode does), so CNI releases addresses and rules.
# Two nodes can coexist: the CNI bridge and subnet are derived from DIR (cripsnodeN, 10.88.(100+N).0/24).
# The host's dockerd, containerd, /etc, /opt, /run/containerd and /var/lib/docker are never used or changed.
set -euo pipefail
umask 022
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

readonly STYLES=(1.23 1.26 1.28)
readonly CNI_PLUGINS=(bridge host-local portmap loopback)
# command:package; only the missing ones are installed (an explicit package would also be upgraded)
readonly NEEDED=(dockerd:docker.io containerd:containerd ctr:containerd runc:runc skopeo:skopeo unshare:util-linux
                 nsenter:util-linux findmnt:util-linux flock:util-linux start-stop-daemon:dpkg curl:curl
                 openssl:openssl /usr/lib/cni/bridge:containernetworking-plugins)
readonly SOCKET_CONTAINER=crips-socket-user
readonly OWNER_LABEL=io.crips.node
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly HERE

log() { printf '%(%H:%M:%S)T crips-node: %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
# shellcheck source=daemon-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/daemon-lib.sh"
# shellcheck source=packages-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/packages-lib.sh"

usage() {
  echo "usage: ${0##*/} up|down [--purge]|status [DIR] [--style 1.23|1.26|1.28]" >&2
  exit 2
}

# --- paths ----------------------------------------------------------------------------------

set_paths() {
  DIR=$(realpath -m "$1")
  [[ $DIR != / ]] || die "refusing to use / as node directory"
  # sun_path is 108 bytes: dockerd's containerd socket is the longest (DIR/dx/containerd/containerd.sock.ttrpc)
  (( ${#DIR} + 40 < 100 )) || die "DIR too long for unix socket paths: $DIR"
  ROOT=$DIR/root
  ORIG=$DIR/root.orig
  BIN=$DIR/bin
  PIDS=$DIR/pids
  ENV_FILE=$DIR/node.env
  DOCKER_SOCK=$DIR/docker.sock
  CTD_SOCK=$DIR/ctd/run/containerd.sock
  SYSTEMCTL=$BIN/systemctl
  # one small number per DIR, so two nodes get different bridges and subnets
  NODE_INDEX=${CRIPS_NODE_INDEX:-$(( $(printf '%s' "$DIR" | cksum | cut -d' ' -f1) % 100 ))}
  BRIDGE=cripsnode$NODE_INDEX
  SUBNET=10.88.$(( 100 + NODE_INDEX )).0/24
  DAEMONS_ENV=$BIN/daemons.env
  DOCKERD_BIN=$(command -v dockerd || echo /usr/sbin/dockerd)
  CTD_BIN=$(command -v containerd || echo /usr/bin/containerd)
  # the versions this node was made with, once it was
  if [[ -f $DAEMONS_ENV ]]; then
    DOCKERD_BIN=$(sed -n 's/^DOCKERD_BIN=//p' "$DAEMONS_ENV")
    CTD_BIN=$(sed -n 's/^CTD_BIN=//p' "$DAEMONS_ENV")
  fi
  # the CLI that matches the daemon (20.10) if the package brought it, else whatever docker is on PATH
  if [[ -x /usr/bin/docker ]]; then DOCKER_CLI=/usr/bin/docker; else DOCKER_CLI=$(command -v docker || true); fi
}

docker() { DOCKER_BUILDKIT=0 "$DOCKER_CLI" -H "unix://$DOCKER_SOCK" "$@"; }

# --- small helpers --------------------------------------------------------------------------

need_root() {
  if [[ $(id -u) != 0 ]]; then
    echo "crips-node: must run as root (it starts dockerd and containerd and makes mounts)" >&2
    exit 3
  fi
}

# put_file DEST [MODE] < content
put_file() {
  mkdir -p "$(dirname "$1")"
  cat >"$1"
  chmod "${2:-0644}" "$1"
}

lock() {
  mkdir -p "$DIR"
  exec 9>"$DIR/.lock"
  flock -w 300 9 || die "another crips-node call holds $DIR/.lock"
}

# --- up: prerequisites ----------------------------------------------------------------------

# host_daemons: pids of dockerd/containerd processes, to prove the package install started none.
host_daemons() { pgrep -x 'dockerd|containerd' | sort || true; }

# ensure_packages: docker.io without recommends. Its maintainer scripts would start the host's dockerd
# through invoke-rc.d; a policy-rc.d that says 101 (action forbidden) prevents that. An existing
# policy-rc.d is left as it is, ours is removed afterwards.
ensure_packages() {
  local c missing=() packages=() before after policy=/usr/sbin/policy-rc.d ours=0 rc=0
  for c in "${NEEDED[@]}"; do
    command -v "${c%%:*}" >/dev/null && continue
    missing+=("${c%%:*}")
    [[ " ${packages[*]} " == *" ${c#*:} "* ]] || packages+=("${c#*:}")
  done
  (( ${#missing[@]} == 0 )) && return 0
  log "missing: ${missing[*]}; installing Debian packages"
  before=$(host_daemons)
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\n# crips-node.sh: no service starts during this install\nexit 101\n' >"$policy"
    chmod 0755 "$policy"
    ours=1
  fi
  {
    apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${packages[@]}"
  } >&2 || rc=$?
  (( ours )) && rm -f "$policy"
  (( rc == 0 )) || die "apt-get install failed ($rc)"
  after=$(host_daemons)
  [[ $before == "$after" ]] || die "the package install started a host daemon (pids now: $after); stop it by hand"
  set_paths "$DIR"
}

read_runtime_env() {
  local env_file=${CRIPS_RUNTIME_DIR:-/tmp/crips-runtime}/runtime.env
  [[ -f $env_file ]] || die "$env_file not found: run 'tests/runtime/crips-runtime.sh up' first"
  REG=$(sed -n 's/^CRIPS_REGISTRY=//p' "$env_file")
  BUSYBOX_IMAGE=$(sed -n 's/^CRIPS_BUSYBOX_IMAGE=//p' "$env_file")
  PAUSE_IMAGE=$(sed -n 's/^CRIPS_PAUSE_IMAGE=//p' "$env_file")
  SPARE_IMAGE=$(sed -n 's/^CRIPS_SPARE_IMAGE=//p' "$env_file")
  [[ -n $REG && -n $BUSYBOX_IMAGE && -n $PAUSE_IMAGE && -n $SPARE_IMAGE ]] || die "$env_file lacks registry or images"
  curl -fsS --max-time 3 -o /dev/null "http://$REG/v2/" \
    || die "the registry $REG does not answer: run 'tests/runtime/crips-runtime.sh up' first"
}

# --- up: the node tree ----------------------------------------------------------------------

kubelet_version() {
  case $1 in 1.23) echo v1.23.17 ;; 1.26) echo v1.26.15 ;; 1.28) echo v1.28.15 ;; esac
}

write_docker_files() {
  put_file "$ROOT/etc/docker/daemon.json" <<EOF
{
  "exec-opts": ["native.cgroupdriver=cgroupfs"],
  "log-driver": "json-file",
  "log-opts": {
    "max-size": "10m",
    "max-file": "3"
  },
  "storage-driver": "overlay2",
  "live-restore": true,
  "registry-mirrors": ["https://mirror.example.internal"],
  "insecure-registries": ["$REG"],
  "default-ulimits": {
    "nofile": {
      "Name": "nofile",
      "Hard": 65536,
      "Soft": 65536
    }
  }
}
EOF
  mkdir -p "$ROOT/etc/docker/certs.d/registry.example.internal:5000"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout /dev/null \
    -subj "/CN=crips-node test CA" -days 3650 \
    -out "$ROOT/etc/docker/certs.d/registry.example.internal:5000/ca.crt" 2>/dev/null
  chmod 0644 "$ROOT/etc/docker/certs.d/registry.example.internal:5000/ca.crt"
  put_file "$ROOT/etc/systemd/system/docker.service.d/http-proxy.conf" <<'EOF'
[Service]
Environment="HTTP_PROXY=http://proxy.example:3128" "NO_PROXY=localhost,127.0.0.1"
EOF
}

# The file Docker's containerd.io package installs (Docker repositories, 1.6.x), byte for byte, then the
# one section this VM needs. Without `version = 2` containerd 1.6 reads the file as version 1.
write_containerd_config() {
  put_file "$ROOT/etc/containerd/config.toml" <<'EOF'
#   Copyright 2018-2022 Docker Inc.

#   Licensed under the Apache License, Version 2.0 (the "License");
#   you may not use this file except in compliance with the License.
#   You may obtain a copy of the License at

#       http://www.apache.org/licenses/LICENSE-2.0

#   Unless required by applicable law or agreed to in writing, software
#   distributed under the License is distributed on an "AS IS" BASIS,
#   WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
#   See the License for the specific language governing permissions and
#   limitations under the License.

disabled_plugins = ["cri"]

#root = "/var/lib/containerd"
#state = "/run/containerd"
#subreaper = true
#oom_score = 0

#[grpc]
#  address = "/run/containerd/containerd.sock"
#  uid = 0
#  gid = 0

#[debug]
#  address = "/run/containerd/debug.sock"
#  uid = 0
#  gid = 0
#  level = "info"

# Test VM only: root here lacks CAP_SYS_RESOURCE, so once CRI is enabled every RunPodSandbox fails in runc
# ("can't get final child's PID from pipe: EOF") unless containerd keeps oom_score_adj within its own.
[plugins."io.containerd.grpc.v1.cri"]
  restrict_oom_score_adj = true
EOF
}

write_cni() {
  local p
  bridge_conflist "$BRIDGE" "$BRIDGE" "$SUBNET" "/var/lib/cni/networks" | put_file "$ROOT/etc/cni/net.d/10-cripsnode.conflist"
  mkdir -p "$ROOT/opt/cni/bin"
  for p in "${CNI_PLUGINS[@]}"; do install -m 0755 "/usr/lib/cni/$p" "$ROOT/opt/cni/bin/$p"; done
}

write_kubelet_files() {
  local args dropin=$ROOT/etc/systemd/system/kubelet.service.d/10-kubeadm.conf extra=""
  case $STYLE in
    1.23) args="--cni-bin-dir=/opt/cni/bin --cni-conf-dir=/etc/cni/net.d --network-plugin=cni --pod-infra-container-image=$PAUSE_IMAGE" ;;
    1.26) args="--container-runtime=remote --container-runtime-endpoint=unix:///var/run/cri-dockerd.sock --pod-infra-container-image=$PAUSE_IMAGE" ;;
    1.28) args="--container-runtime-endpoint=unix:///var/run/cri-dockerd.sock --pod-infra-container-image=$PAUSE_IMAGE"
          # pkgs.k8s.io packages put the kubeadm drop-in below /usr/lib; kubeadm 1.28 writes this field empty
          dropin=$ROOT/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf
          extra='containerRuntimeEndpoint: ""' ;;
  esac
  put_file "$ROOT/var/lib/kubelet/kubeadm-flags.env" <<EOF
KUBELET_KUBEADM_ARGS="$args"
EOF
  put_file "$ROOT/etc/default/kubelet" <<'EOF'
KUBELET_EXTRA_ARGS=
EOF
  put_file "$dropin" <<'EOF'
# Note: This dropin only works with kubeadm and kubelet v1.11+
[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
# This is a file that "kubeadm init" and "kubeadm join" generates at runtime, populating the KUBELET_KUBEADM_ARGS variable dynamically
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
# This is a file that the user can use for overrides of the kubelet args as a last resort. Preferably, the user should use
# the .NodeRegistration.KubeletExtraArgs object in the configuration files instead. KUBELET_EXTRA_ARGS should be sourced from this file.
EnvironmentFile=-/etc/default/kubelet
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
EOF
  # kubeadm's KubeletConfiguration: keys sorted, zero durations spelled out
  put_file "$ROOT/var/lib/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
authentication:
  anonymous:
    enabled: false
  webhook:
    cacheTTL: 0s
    enabled: true
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: Webhook
  webhook:
    cacheAuthorizedTTL: 0s
    cacheUnauthorizedTTL: 0s
cgroupDriver: cgroupfs
clusterDNS:
- 10.96.0.10
clusterDomain: cluster.local
${extra:+$extra
}cpuManagerReconcilePeriod: 0s
evictionPressureTransitionPeriod: 0s
fileCheckFrequency: 0s
healthzBindAddress: 127.0.0.1
healthzPort: 10248
httpCheckFrequency: 0s
imageMinimumGCAge: 0s
kind: KubeletConfiguration
logging:
  flushFrequency: 0
  options:
    json:
      infoBufferSize: "0"
  verbosity: 0
memorySwap: {}
nodeStatusReportFrequency: 0s
nodeStatusUpdateFrequency: 0s
resolvConf: /etc/resolv.conf
rotateCertificates: true
runtimeRequestTimeout: 0s
shutdownGracePeriod: 0s
shutdownGracePeriodCriticalPods: 0s
staticPodPath: /etc/kubernetes/manifests
streamingConnectionIdleTimeout: 0s
syncFrequency: 0s
volumeStatsAggPeriod: 0s
EOF
}

write_doubles() {
  mkdir -p "$BIN"
  install -m 0755 "$HERE/node-systemctl.sh" "$SYSTEMCTL"
  install -m 0644 "$HERE/daemon-lib.sh" "$BIN/daemon-lib.sh"
  put_file "$BIN/kubelet" 0755 <<EOF
#!/usr/bin/env bash
# kubelet double of a crips-node: no kubelet can run here, only its version is asked for.
set -euo pipefail
case "\${1:-}" in
  --version) echo "Kubernetes $(kubelet_version "$STYLE")" ;;
  *) echo "kubelet double: only --version is supported" >&2; exit 1 ;;
esac
EOF
}

# write_tree: the node's files, once; root.orig is taken after the images are in (see cmd_up).
write_tree() {
  if [[ -d $ROOT ]]; then
    local had
    had=$(cat "$DIR/units/.style" 2>/dev/null || true)
    [[ -z $had || $had == "$STYLE" ]] || die "$DIR is a $had node; run 'down --purge' before making a $STYLE node"
    return 0
  fi
  log "writing the $STYLE node tree in $ROOT"
  rm -rf "$ROOT.new"
  local final=$ROOT
  ROOT=$ROOT.new
  write_docker_files
  write_containerd_config
  write_cni
  write_kubelet_files
  ROOT=$final
  mv "$ROOT.new" "$ROOT"
}

init_units() {
  mkdir -p "$DIR/units"
  [[ -f $DIR/units/.style ]] && return 0
  local u
  for u in docker.service containerd.service kubelet.service; do echo enabled >"$DIR/units/$u.enabled"; done
  echo enabled >"$DIR/units/docker.socket.enabled"
  if [[ $STYLE != 1.23 ]]; then
    echo enabled >"$DIR/units/cri-docker.service.enabled"
    echo enabled >"$DIR/units/cri-docker.socket.enabled"
  fi
  echo "$STYLE" >"$DIR/units/.style"
}

# --- up: Docker content ---------------------------------------------------------------------

docker_has_image() { docker image inspect "$1" >/dev/null 2>&1; }

ensure_docker_content() {
  local image
  for image in "$BUSYBOX_IMAGE" "$PAUSE_IMAGE"; do
    docker_has_image "$image" || { log "docker pull $image"; docker pull -q "$image" >/dev/null; }
  done
  # untagged: a docker-archive without a reference loads as an image with neither tag nor digest
  # the image id is the digest of the image's config blob
  UNTAGGED_ID=sha256:$(skopeo inspect --config --raw --tls-verify=false "docker://$SPARE_IMAGE" | sha256sum | cut -d' ' -f1)
  if ! docker_has_image "$UNTAGGED_ID"; then
    log "loading $SPARE_IMAGE as an untagged image"
    rm -f "$DIR/spare.tar"
    skopeo --insecure-policy copy -q --src-tls-verify=false "docker://$SPARE_IMAGE" "docker-archive:$DIR/spare.tar" >&2
    docker load -q -i "$DIR/spare.tar" >/dev/null
    rm -f "$DIR/spare.tar"
  fi
  if [[ -z $(docker ps -q --filter "name=^${SOCKET_CONTAINER}\$" --filter status=running) ]]; then
    docker rm -f "$SOCKET_CONTAINER" >/dev/null 2>&1 || true
    log "docker run $SOCKET_CONTAINER (mounts the Docker socket)"
    # daemon.json's default nofile limit (65536) is above this VM's hard limit, which root may not raise
    # (no CAP_SYS_RESOURCE): runc then fails "error setting rlimit type 7". Any `docker run` here needs this.
    # Labelled as the kubelet labels a pod's container: a DaemonSet that watches Docker, as monitoring agents do.
    docker run -d --name "$SOCKET_CONTAINER" --label "$OWNER_LABEL=1" --network none \
      --label io.kubernetes.pod.name=socket-user --label io.kubernetes.pod.namespace=kube-system \
      --label io.kubernetes.container.name=watcher --label io.kubernetes.docker.type=container \
      --ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" \
      -v "$DOCKER_SOCK:/var/run/docker.sock" "$BUSYBOX_IMAGE" \
      sh -c 'trap "exit 0" TERM; while :; do sleep 1; done' >/dev/null   # stops on TERM, within 1 s
  fi
}

check_docker_settings() {
  local info
  info=$(docker info --format '{{.LiveRestoreEnabled}} {{.CgroupDriver}}')
  [[ $info == "true cgroupfs" ]] || die "dockerd runs with live-restore/cgroup driver '$info', expected 'true cgroupfs'"
}

write_env() {
  local tmp=$ENV_FILE.new
  cat >"$tmp" <<EOF
CRIPS_NODE_DIR=$DIR
CRIPS_NODE_ROOT=$ROOT
CRIPS_NODE_ORIG=$ORIG
CRIPS_NODE_BIN=$BIN
CRIPS_NODE_STYLE=$STYLE
CRIPS_NODE_KUBELET_VERSION=$(kubelet_version "$STYLE")
CRIPS_NODE_DOCKER_ENDPOINT=unix://$DOCKER_SOCK
CRIPS_NODE_CONTAINERD_ENDPOINT=unix://$CTD_SOCK
CRIPS_NODE_CONTAINERD_ADDRESS=$CTD_SOCK
CRIPS_NODE_TAGGED_IMAGES=$BUSYBOX_IMAGE,$PAUSE_IMAGE
CRIPS_NODE_UNTAGGED_IMAGE_ID=$UNTAGGED_ID
CRIPS_NODE_SOCKET_CONTAINER=$SOCKET_CONTAINER
CRIPS_NODE_SANDBOX_IMAGE=$PAUSE_IMAGE
CRIPS_NODE_REGISTRY=$REG
CRIPS_NODE_CNI_BRIDGE=$BRIDGE
CRIPS_NODE_POD_SUBNET=$SUBNET
CRIPS_NODE_SYSTEMCTL_LOG=$DIR/systemctl.log
CRIPS_NODE_CONTAINERD_VERSION=$CTD_VERSION
CRIPS_NODE_DOCKER_VERSION=$DOCKER_VERSION
EOF
  mv -f "$tmp" "$ENV_FILE"
}

# select_daemons: the dockerd and containerd of CRIPS_DOCKER and CRIPS_CONTAINERD, written to DIR/bin/daemons.env for
# the systemctl double; a node made with other versions must be purged first (its data belongs to them).
select_daemons() {
  local ctd dockerd
  # CRIPS_CONTAINERD_BIN_DIR (as for crips-runtime.sh): a containerd built elsewhere, such as 2.3, instead
  if [[ -n ${CRIPS_CONTAINERD_BIN_DIR:-} ]]; then
    ctd=$CRIPS_CONTAINERD_BIN_DIR/containerd
    [[ -x $ctd && -x $CRIPS_CONTAINERD_BIN_DIR/containerd-shim-runc-v2 ]] || die "CRIPS_CONTAINERD_BIN_DIR=$CRIPS_CONTAINERD_BIN_DIR lacks containerd or containerd-shim-runc-v2"
  else
    ctd=$(containerd_bin_dir "${CRIPS_CONTAINERD:-1.6}" "$PACKAGE_CACHE")/containerd || exit 1
  fi
  dockerd=$(dockerd_path "${CRIPS_DOCKER:-20.10}" "$PACKAGE_CACHE") || exit 1
  if [[ -f $DAEMONS_ENV ]] && [[ $ctd != "$CTD_BIN" || $dockerd != "$DOCKERD_BIN" ]]; then
    die "$DIR was made with $CTD_BIN and $DOCKERD_BIN; run 'down --purge' before using other versions"
  fi
  CTD_BIN=$ctd
  DOCKERD_BIN=$dockerd
  mkdir -p "$BIN"
  printf 'CTD_BIN=%s\nDOCKERD_BIN=%s\n' "$CTD_BIN" "$DOCKERD_BIN" >"$DAEMONS_ENV"
  CTD_VERSION=$(containerd_version "$CTD_BIN")
  DOCKER_VERSION=$("$DOCKERD_BIN" --version | sed -n 's/^Docker version \([0-9.]*\).*/\1/p')
}

cmd_up() {
  need_root
  ensure_packages
  read_runtime_env
  lock
  select_daemons
  local had
  had=$(cat "$DIR/units/.style" 2>/dev/null || true)
  if [[ -z $STYLE ]]; then STYLE=${had:-1.26}; fi
  [[ -z $had || $had == "$STYLE" ]] || die "$DIR is a $had node; run 'down --purge' before making a $STYLE node"
  write_tree
  write_doubles
  init_units
  touch "$DIR/systemctl.log"
  # as the node's boot would: containerd (CRI disabled) first, Docker on top, kubelet last
  "$SYSTEMCTL" start containerd || die "systemctl start containerd failed"
  "$SYSTEMCTL" start docker || die "systemctl start docker failed"
  "$SYSTEMCTL" start docker.socket kubelet
  [[ $STYLE == 1.23 ]] || "$SYSTEMCTL" start cri-docker.socket cri-docker.service
  check_docker_settings
  ensure_docker_content
  if [[ ! -d $ORIG ]]; then
    cp -a "$ROOT" "$ORIG.new"
    mv "$ORIG.new" "$ORIG"
  fi
  : >"$DIR/systemctl.log"   # tests see only their own calls
  write_env
  log "up: $STYLE node in $ROOT; docker unix://$DOCKER_SOCK, containerd unix://$CTD_SOCK"
  echo "$ENV_FILE"
}

# --- down -----------------------------------------------------------------------------------

# kill_leftovers: shims of our two containerds survive the daemons by design, and so do their containers.
# Shims are ours when they run in our mount namespace or talk to dockerd's containerd below DIR; containers
# have their own mount namespaces, so they are found as the shims' descendants. Builtins only (-ef,
# mapfile, read): a fork per process would make this loop take seconds.
kill_leftovers() {
  local pid ppid rest ns="" n=0 i
  local -a argv roots=() victims=()
  local -A children=()
  [[ $(findmnt -n -o FSTYPE --mountpoint "$DIR/ns/mnt" 2>/dev/null) == nsfs ]] && ns=$DIR/ns/mnt
  for pid in /proc/[0-9]*; do
    pid=${pid#/proc/}
    (( pid == $$ )) && continue
    argv=()
    mapfile -d '' -t argv <"/proc/$pid/cmdline" 2>/dev/null || continue
    read -r rest <"/proc/$pid/stat" 2>/dev/null || continue
    rest=${rest##*) }          # after "pid (comm) ": state ppid ...
    read -r _ ppid _ <<<"$rest"
    children[$ppid]+=" $pid"
    if [[ -n $ns && /proc/$pid/ns/mnt -ef $ns ]] || [[ ${argv[*]} == *containerd-shim*"$DIR/dx/containerd/"* ]]; then
      roots+=("$pid")
    fi
  done
  victims=("${roots[@]}")
  for (( i = 0; i < ${#victims[@]}; i++ )); do
    # shellcheck disable=SC2206 # pids split on blanks
    victims+=(${children[${victims[i]}]:-})
  done
  for pid in "${victims[@]}"; do kill -KILL "$pid" 2>/dev/null && n=$(( n + 1 )); done
  (( n == 0 )) || log "killed $n leftover process(es) of this node (pods not removed through CRI?)"
}

# drop_cni_rules: what CNI DEL would have removed for pods that were killed instead (masquerade rules and
# their chains, tagged with our network name).
drop_cni_rules() {
  command -v iptables >/dev/null || return 0
  local rules rule chain n=0
  local -a chains=()
  rules=$(iptables -w -t nat -S 2>/dev/null | grep -F 'name: \"'"$BRIDGE"'\" ' || true)
  [[ -n $rules ]] || return 0
  while read -r rule; do
    if [[ $rule == "-A POSTROUTING "* ]]; then
      chain=${rule##* -j }
      # iptables -S quotes the comment the way a shell reads it back
      eval "iptables -w -t nat -D ${rule#-A }" && n=$(( n + 1 ))
      chains+=("$chain")
    fi
  done <<<"$rules"
  for chain in "${chains[@]}"; do
    if iptables -w -t nat -F "$chain"; then iptables -w -t nat -X "$chain" || true; fi
  done
  log "removed $n CNI masquerade rule(s) of network $BRIDGE"
}

remove_docker_containers() {
  [[ -n $DOCKER_CLI && -S $DOCKER_SOCK ]] || return 0
  curl -fsS --max-time 2 --unix-socket "$DOCKER_SOCK" http://docker/_ping >/dev/null 2>&1 || return 0
  local -a ids
  mapfile -t ids < <(docker ps -aq --filter "label=$OWNER_LABEL" 2>/dev/null || true)
  (( ${#ids[@]} == 0 )) || docker rm -f "${ids[@]}" >/dev/null 2>&1 || log "WARNING: could not remove containers ${ids[*]}"
}

unmount_below() {
  local m
  awk -v p="$DIR/" 'index($2, p) == 1 || $2 == substr(p, 1, length(p) - 1) { print $2 }' /proc/self/mounts | sort -r |
    while read -r m; do
      m=$(printf '%b' "$m")
      umount -l "$m" 2>/dev/null || umount "$m" || log "WARNING: could not unmount $m"
    done
}

cmd_down() {
  need_root
  [[ -d $DIR ]] || { log "nothing to do: $DIR does not exist"; return 0; }
  lock
  if [[ -x $SYSTEMCTL ]]; then
    # live-restore keeps containers through a dockerd stop: start it (if we can) to remove them
    if [[ -d $DIR/docker/containers && -n $(ls -A "$DIR/docker/containers" 2>/dev/null) ]] &&
       ! alive "$PIDS/dockerd.pid" "$DOCKERD_BIN"; then
      "$SYSTEMCTL" start docker >/dev/null 2>&1 || log "WARNING: dockerd does not start; containers are killed below"
    fi
    remove_docker_containers
    "$SYSTEMCTL" stop docker || log "WARNING: stopping dockerd failed"
    "$SYSTEMCTL" stop containerd || log "WARNING: stopping containerd failed"
  fi
  kill_leftovers
  drop_cni_rules
  unmount_below
  # as after a reboot: /run is empty and no pod holds an address any more
  rm -rf "$DIR/ovl/run" "$DIR/ovl/var-lib/upper/cni/networks/$BRIDGE"
  if ip link show "$BRIDGE" >/dev/null 2>&1; then ip link delete "$BRIDGE" && log "deleted bridge $BRIDGE"; fi
  if (( PURGE )); then
    rm -rf "${DIR:?}"
    log "purged $DIR"
  fi
  log "down"
}

# --- status ---------------------------------------------------------------------------------

cmd_status() {
  need_root
  local rc=0
  if alive "$PIDS/dockerd.pid" "$DOCKERD_BIN"; then
    printf '%-10s running pid %s unix://%s\n' dockerd "$(<"$PIDS/dockerd.pid")" "$DOCKER_SOCK"
  else printf '%-10s stopped\n' dockerd; rc=1; fi
  if alive "$PIDS/containerd.pid" "$CTD_BIN"; then
    printf '%-10s running pid %s unix://%s\n' containerd "$(<"$PIDS/containerd.pid")" "$CTD_SOCK"
  else printf '%-10s stopped\n' containerd; rc=1; fi
  return "$rc"
}

# --- main -----------------------------------------------------------------------------------

main() {
  local cmd=${1:-} dir=""
  PURGE=0 STYLE=""
  (( $# > 0 )) && shift
  while (( $# > 0 )); do
    case $1 in
      --purge) [[ $cmd == down ]] || usage; PURGE=1 ;;
      --style) [[ $cmd == up && $# -gt 1 ]] || usage; STYLE=$2; shift ;;
      --style=*) [[ $cmd == up ]] || usage; STYLE=${1#*=} ;;
      -*) usage ;;
      *) [[ -z $dir ]] || usage; dir=$1 ;;
    esac
    shift
  done
  if [[ -n $STYLE && " ${STYLES[*]} " != *" $STYLE "* ]]; then
    echo "crips-node: --style must be one of ${STYLES[*]}" >&2; exit 2
  fi
  set_paths "${dir:-/tmp/crips-node}"
  case $cmd in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    *) usage ;;
  esac
}

main "$@"
