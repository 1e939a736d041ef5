#!/usr/bin/env bash
# ensure-ansible.sh
#
# Makes Debian's ansible-core available for the Ansible tests (tests/integration/Ansible.Tests.ps1): does nothing
# when ansible-playbook is already on PATH, otherwise installs the package as root. The package lists are
# refreshed only when the first install attempt fails (they are usually fresh enough, and an update is slow).
# Prints the path of ansible-playbook on success.
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH

log() { printf '%(%H:%M:%S)T ensure-ansible: %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

if ! command -v ansible-playbook >/dev/null; then
  [[ $(id -u) == 0 ]] || die "ansible-playbook is missing and installing ansible-core needs root"
  install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ansible-core >&2; }
  log "installing ansible-core"
  if ! install; then
    log "install failed; refreshing the package lists and trying again"
    apt-get update -qq >&2
    install || die "apt-get install ansible-core failed"
  fi
fi
command -v ansible-playbook
