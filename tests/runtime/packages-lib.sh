# packages-lib.sh: the runtime versions the test harness can run, taken from Debian's own packages. Sourced, never
# run: crips-runtime.sh (the private runtime) and crips-node.sh (the prepared Docker node).
#
# containerd 1.6 is the machine's package (bookworm, installed with apt-get when missing). Other versions come from
# other Debian suites: `apt-get download` with a private apt state (its own sources list, lists and cache below
# the caller's folder), unpacked with `dpkg-deb -x`. The system's apt configuration and installed packages are
# never changed. Needs the caller's `log` and `die`.

# Which suite serves which containerd (measured 2026-12-05: trixie 1.7.24, sid 2.1.9). A suite that moves to
# another minor version is refused by containerd_bin_dir rather than tested under the wrong name.
declare -Ar CONTAINERD_SUITES=([1.7]=trixie [2.1]=sid)
readonly CONTAINERD_VERSIONS="1.6 1.7 2.1"
# Docker Engine: 20.10 is the machine's docker.io (bookworm); 26.1 trixie's, whose `docker save` writes an OCI layout.
declare -Ar DOCKER_SUITES=([26.1]=trixie)
readonly DOCKER_VERSIONS="20.10 26.1"
# Downloads and unpacked packages, kept between runs (a fresh machine fetches them once, about 60 MB).
readonly PACKAGE_CACHE=${CRIPS_PACKAGE_CACHE:-/var/cache/crips-test-packages}

# debian_mirror: the archive URI this machine's apt uses (deb822 sources first, then sources.list), not written
# down here, so a machine with another mirror keeps using its own.
debian_mirror() {
  local uri
  uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' \
          /etc/apt/sources.list.d/*.sources 2>/dev/null)
  [[ -n $uri ]] || uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; exit } }' \
          /etc/apt/sources.list 2>/dev/null)
  [[ -n $uri ]] || die "no Debian archive found in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list"
  echo "$uri"
}

# private_apt APTDIR ARGS...: apt-get with its own state below APTDIR; the system's lists and cache stay untouched.
private_apt() {
  local aptdir=$1; shift
  apt-get -q -o Dir::Etc::SourceList="$aptdir/sources.list" -o Dir::Etc::SourceParts=- \
    -o Dir::State::Lists="$aptdir/lists" -o Dir::Cache::Archives="$aptdir/archives" \
    -o Dir::State::status=/dev/null -o APT::Sandbox::User=root -o Acquire::Languages=none \
    -o Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false \
    -o Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false \
    -o Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false "$@"
}

# debian_package_root SUITE PACKAGE DEST: PACKAGE as SUITE ships it, unpacked into DEST/SUITE/PACKAGE (once);
# prints that folder. Each suite has its own apt state (DEST/apt/SUITE); its lists are fetched again after a day.
debian_package_root() {
  local suite=$1 package=$2 aptdir=$3/apt/$1 root=$3/$1/$2 keyring=/usr/share/keyrings/debian-archive-keyring.gpg deb
  if [[ ! -f $root/.unpacked ]]; then
    [[ -f $keyring ]] || die "$keyring is missing (package debian-archive-keyring)"
    mkdir -p "$aptdir/lists/partial" "$aptdir/archives/partial" "$aptdir/debs"
    echo "deb [signed-by=$keyring] $(debian_mirror) $suite main" >"$aptdir/sources.list"
    if [[ -z $(find "$aptdir/lists" -maxdepth 1 -name "*_dists_${suite}_InRelease" -mmin -1440) ]]; then
      log "fetching the package lists of Debian $suite (private apt state in $aptdir)"
      private_apt "$aptdir" update >&2 || die "apt-get update for Debian $suite failed"
    fi
    rm -f "$aptdir/debs/${package}_"*.deb
    (cd "$aptdir/debs" && private_apt "$aptdir" download "$package" >&2) || die "apt-get download $package ($suite) failed"
    deb=$(echo "$aptdir/debs/${package}_"*.deb)
    rm -rf "$root"
    mkdir -p "$root"
    dpkg-deb -x "$deb" "$root" || die "dpkg-deb -x $deb failed"
    basename "$deb" >"$root/.unpacked"
    rm -f "$deb"   # unpacked is all that is used
    log "unpacked $(<"$root/.unpacked") into $root"
  fi
  echo "$root"
}

# containerd_bin_dir VERSION DEST: the folder that holds containerd, ctr and containerd-shim-runc-v2 of that
# version (1.6: the machine's own; others unpacked below DEST).
containerd_bin_dir() {
  local want=$1 dest=$2 bin have
  case $want in
    1.6) bin=$(dirname "$(command -v containerd || echo /usr/bin/containerd)") ;;
    1.7|2.1) bin=$(debian_package_root "${CONTAINERD_SUITES[$want]}" containerd "$dest")/usr/bin ;;
    *) die "unknown containerd version '$want' (one of: $CONTAINERD_VERSIONS)" ;;
  esac
  have=$(containerd_version "$bin/containerd")
  [[ $have == "$want".* ]] || die "$bin/containerd is $have, not $want.x (did the Debian suite move on?)"
  echo "$bin"
}

# dockerd_path VERSION DEST: the dockerd of that Docker version (20.10: the machine's own; 26.1 unpacked below DEST).
dockerd_path() {
  local want=$1 dest=$2 bin have
  case $want in
    20.10) bin=$(command -v dockerd || echo /usr/sbin/dockerd) ;;
    26.1) bin=$(debian_package_root "${DOCKER_SUITES[$want]}" docker.io "$dest")/usr/sbin/dockerd ;;
    *) die "unknown Docker version '$want' (one of: $DOCKER_VERSIONS)" ;;
  esac
  have=$("$bin" --version 2>/dev/null | sed -n 's/^Docker version \([0-9.]*\).*/\1/p')
  [[ $have == "$want".* ]] || die "$bin is Docker $have, not $want.x (did the Debian suite move on?)"
  echo "$bin"
}

# containerd_version BINARY: "1.7.24", "2.1.9" (Debian's builds print "1.7.24~ds1" or "2.1.9+unknown").
containerd_version() {
  "$1" --version 2>/dev/null | awk '{ print $3 }' | sed 's/^v//; s/[~+].*//'
}

# containerd_config_version VERSION: the config file version that containerd reads without migrating it.
containerd_config_version() {
  case $1 in
    1.*) echo 2 ;;
    2.[012]|2.[012].*) echo 3 ;;
    *) echo 4 ;;
  esac
}
