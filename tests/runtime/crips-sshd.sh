#!/usr/bin/env bash
# crips-sshd.sh up|down DIR [PORT]
#
# A private OpenSSH server on 127.0.0.1:PORT (default 2299) with PowerShell's SSH remoting subsystem, for the
# remoting tests: its own host key, config, authorized key and pid file, all below DIR; the host's sshd and its
# /etc/ssh/sshd_config are never used or changed. `up` installs Debian's openssh-server when sshd is missing
# (as root; its service is not started) and prints the path of DIR/sshd.env (CRIPS_SSH_PORT, CRIPS_SSH_KEY,
# CRIPS_SSH_USER). `down` stops only the sshd `up` started.
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

log() { printf '%(%H:%M:%S)T crips-sshd: %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

cmd=${1:-}; DIR=$(realpath -m "${2:-/tmp/crips-sshd}"); PORT=${3:-2299}
[[ $DIR != / ]] || die "refusing to use / as directory"
[[ $(id -u) == 0 ]] || die "must run as root (sshd)"
PIDFILE=$DIR/sshd.pid

# shellcheck source=daemon-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/daemon-lib.sh"

up() {
  if ! command -v sshd >/dev/null; then
    log "installing openssh-server"
    # Its maintainer scripts would start the host's sshd through invoke-rc.d; a policy-rc.d answering 101
    # (action forbidden) prevents that. An existing one is left as it is; ours goes afterwards.
    local policy=/usr/sbin/policy-rc.d ours=0 rc=0
    if [[ ! -e $policy ]]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod 755 "$policy"; ours=1; fi
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server >&2 || rc=$?
    (( ours )) && rm -f "$policy"
    (( rc == 0 )) || die "apt-get install openssh-server failed ($rc)"
  fi
  : "${CRIPS_PWSH_DLL:?set CRIPS_PWSH_DLL to the pwsh.dll the subsystem runs}"
  mkdir -p "$DIR" /run/sshd   # sshd's privilege separation directory (the package's own, empty)
  [[ -f $DIR/host_ed25519 ]] || ssh-keygen -q -t ed25519 -N '' -f "$DIR/host_ed25519"
  [[ -f $DIR/id_ed25519 ]] || ssh-keygen -q -t ed25519 -N '' -f "$DIR/id_ed25519"
  cp "$DIR/id_ed25519.pub" "$DIR/authorized_keys"
  cat >"$DIR/sshd_config" <<CONF
Port $PORT
ListenAddress 127.0.0.1
HostKey $DIR/host_ed25519
PidFile $PIDFILE
AuthorizedKeysFile $DIR/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem powershell $(command -v dotnet) $CRIPS_PWSH_DLL -sshs -NoLogo -NoProfile
CONF
  if ! alive "$PIDFILE" /usr/sbin/sshd; then
    /usr/sbin/sshd -f "$DIR/sshd_config" -E "$DIR/sshd.log"
    wait_for 5 alive "$PIDFILE" /usr/sbin/sshd || die "sshd did not start; see $DIR/sshd.log"
    log "sshd started on 127.0.0.1:$PORT (pid $(<"$PIDFILE"))"
  fi
  printf 'CRIPS_SSH_PORT=%s\nCRIPS_SSH_KEY=%s\nCRIPS_SSH_USER=root\n' "$PORT" "$DIR/id_ed25519" >"$DIR/sshd.env"
  echo "$DIR/sshd.env"
}

down() {
  if alive "$PIDFILE" /usr/sbin/sshd; then kill "$(<"$PIDFILE")"; log "sshd stopped"; fi
  rm -rf "$DIR"
}

case $cmd in
  up) up ;;
  down) down ;;
  *) echo "usage: ${0##*/} up|down DIR [PORT]" >&2; exit 2 ;;
esac
