#!/usr/bin/env bash
# Creates, caches and runs commands in minimal Debian chroots, so that the library can be
# tried against other glibc versions than the host's (Debian 11 has glibc 2.31, Debian 13
# glibc 2.41) without containers. Linux, as root.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/debian-chroot.sh ensure CHROOT [PACKAGE...]
       scripts/debian-chroot.sh run CHROOT [--bind | --ro-bind HOSTPATH[:CHROOTPATH]]...
                                [--cwd DIR] [--env NAME=VALUE]... -- COMMAND [ARG...]
       scripts/debian-chroot.sh path CHROOT

CHROOT is a Debian code name, bullseye (11), bookworm (12) or trixie (13), optionally
followed by -TAG, to keep chroots of one release for different uses apart: 'trixie' and
'trixie-jre' are two chroots of Debian 13 (what consumer-in-chroot.sh uses holds a Java
runtime and nothing else, whatever gets installed into the other).

  ensure  Makes CHROOT unless it is already cached ('debootstrap --variant=minbase SUITE',
          installing the host's debootstrap package first if needed), then installs
          those of the PACKAGEs that are missing in it (apt-get install -y
          --no-install-recommends). Copies the host's CA certificates and resolv.conf in,
          so that programs inside reach HTTPS servers.
  run     Runs COMMAND as root inside the chroot, with /proc, /sys and /dev (/dev/pts and
          /dev/shm included) mounted and each HOSTPATH (a folder or a file) bind-mounted at
          CHROOTPATH (default: the same path; read-only with --ro-bind), in the working
          folder DIR (default: /). A missing mount point is created in the chroot (and
          stays there, empty).
          Every mount is made in a private mount namespace, so they all go away when
          COMMAND ends, however it ends. The network is the host's: a server listening on
          the host's 127.0.0.1 is reachable from inside. The environment inside is PATH,
          HOME=/root, LANG=C.UTF-8, TERM (if set) and the --env variables, nothing else.
          The exit status is COMMAND's.
  path    Prints the chroot's folder (whether or not it exists yet).

The Debian mirror of each suite is found when it is needed: deb.debian.org, else
archive.debian.org (where releases go some time after their end of life), with the
suite's -updates and -security archives where they are published.

Environment:
  EVLOOP_CHROOT_CACHE     where the chroots live (default /var/cache/evloop/chroots); one
                          folder per CHROOT. Keep it outside any clone, so that fresh
                          clones reuse it.
  EVLOOP_DEBIAN_MIRROR    a Debian mirror to try first, e.g. http://ftp.de.debian.org/debian
  EVLOOP_CHROOT_TIMEOUT   seconds allowed for each debootstrap or apt-get run (default 600)
  EVLOOP_CHROOT_LOCK_WAIT seconds to wait for another run working on the same CHROOT
                          (default 1800)
EOF
}

# shellcheck source=scripts/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

say() { echo "debian-chroot.sh: $*"; }
die() { echo "debian-chroot.sh: FAILED: $*" >&2; exit 1; }

CACHE="${EVLOOP_CHROOT_CACHE:-/var/cache/evloop/chroots}"
STEP_TIMEOUT="${EVLOOP_CHROOT_TIMEOUT:-600}"
LOCK_WAIT="${EVLOOP_CHROOT_LOCK_WAIT:-1800}"
CHROOT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# Runs a command with a time limit, and says which step ran out of time.
bounded() {
  local seconds="$1" what="$2" status=0
  shift 2
  timeout -k 20 "$seconds" "$@" || status=$?
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    die "$what took longer than $seconds s and was stopped (EVLOOP_CHROOT_TIMEOUT raises the limit)"
  fi
  return "$status"
}

# A code name, optionally with -TAG.
check_name() {
  [[ "$1" =~ ^[a-z]+(-[a-z0-9]+)*$ ]] || die "'$1' is not a Debian code name (bullseye, bookworm, trixie, ...), with or without -TAG"
}

need_root() {
  [ "$(evloop_os || true)" = linux ] || die "Linux only (chroot and mount namespaces)"
  [ "$(id -u)" -eq 0 ] || die "must run as root (chroot, mount and debootstrap need it)"
}

# Takes CHROOT's lock on file descriptor 9: exclusive for ensure, shared for run.
lock_chroot() {
  local name="$1" mode="$2"
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.$name.lock"
  if ! flock -n "$mode" 9; then
    say "waiting (up to $LOCK_WAIT s) for another run working on the $name chroot"
    flock -w "$LOCK_WAIT" "$mode" 9 || die "the $name chroot stayed locked for $LOCK_WAIT s ($CACHE/.$name.lock)"
  fi
}

http_ok() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsS -o /dev/null --retry 1 --max-time 20 "$1" 2>/dev/null
  else
    wget -q -T 20 -t 2 -O /dev/null "$1" 2>/dev/null
  fi
}

# Prints the first of the given base addresses that publishes dists/SUITE/Release.
first_mirror_with() {
  local dist="$1" base
  shift
  for base in "$@"; do
    [ -n "$base" ] || continue
    if http_ok "$base/dists/$dist/Release"; then echo "$base"; return 0; fi
  done
  return 1
}

# Sets MIRROR, UPDATES_MIRROR and SECURITY_MIRROR (the last two may be empty) for SUITE.
find_mirrors() {
  local suite="$1"
  MIRROR="$(first_mirror_with "$suite" "${EVLOOP_DEBIAN_MIRROR:-}" \
      http://deb.debian.org/debian http://archive.debian.org/debian)" \
    || die "no Debian mirror publishes $suite (tried ${EVLOOP_DEBIAN_MIRROR:+$EVLOOP_DEBIAN_MIRROR, }deb.debian.org and archive.debian.org)"
  UPDATES_MIRROR="$(first_mirror_with "$suite-updates" "$MIRROR")" || UPDATES_MIRROR=""
  SECURITY_MIRROR="$(first_mirror_with "$suite-security" \
      http://deb.debian.org/debian-security http://archive.debian.org/debian-security)" || SECURITY_MIRROR=""
  say "$suite: packages from $MIRROR${UPDATES_MIRROR:+, $suite-updates}${SECURITY_MIRROR:+, $suite-security from $SECURITY_MIRROR}"
}

# Points the chroot's apt at the mirrors find_mirrors chose.
write_sources() {
  local root="$1" suite="$2"
  {
    echo "# Written by scripts/debian-chroot.sh from the mirrors that publish $suite."
    echo "deb $MIRROR $suite main"
    [ -z "$UPDATES_MIRROR" ] || echo "deb $UPDATES_MIRROR $suite-updates main"
    [ -z "$SECURITY_MIRROR" ] || echo "deb $SECURITY_MIRROR $suite-security main"
  } >"$root/etc/apt/sources.list"
  rm -f "$root"/etc/apt/sources.list.d/debian.sources
  # archive.debian.org keeps the last Release files, whose Valid-Until dates have passed.
  if [[ "$MIRROR $SECURITY_MIRROR" == *archive.debian.org* ]]; then
    echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/80evloop-archive"
  else
    rm -f "$root/etc/apt/apt.conf.d/80evloop-archive"
  fi
}

# The host's CA certificates (for Java's and Maven's HTTPS) and name servers.
copy_host_config() {
  local root="$1"
  mkdir -p "$root/etc/ssl/certs"
  cp -rL --remove-destination /etc/ssl/certs/. "$root/etc/ssl/certs/" 2>/dev/null \
    || cp -rL /etc/ssl/certs/. "$root/etc/ssl/certs/"
  # The chroot's own update-ca-certificates keeps what is here when it rebuilds the bundle.
  if [ -d /usr/local/share/ca-certificates ] && [ -n "$(ls -A /usr/local/share/ca-certificates)" ]; then
    mkdir -p "$root/usr/local/share/ca-certificates"
    cp -rL /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
  fi
  rm -f "$root/etc/resolv.conf"
  cp -L /etc/resolv.conf "$root/etc/resolv.conf"
}

# debootstrap, and Debian's archive keys to check what it downloads (an Ubuntu host has
# debootstrap's scripts for Debian but not always the keys).
install_debootstrap() {
  local status=0
  # Two chroots made at the same time would otherwise both run the host's apt-get.
  exec 8>"$CACHE/.host-apt.lock"
  flock -w "$LOCK_WAIT" 8 || die "another run kept $CACHE/.host-apt.lock for $LOCK_WAIT s"
  EVLOOP_APT_TIMEOUT="$STEP_TIMEOUT" evloop_apt_install debootstrap:debootstrap \
    debian-archive-keyring:/usr/share/keyrings/debian-archive-keyring.gpg || status=$?
  exec 8>&-
  case "$status" in
    0) ;;
    124|137) die "installing the host's debootstrap took longer than $STEP_TIMEOUT s and was stopped (EVLOOP_CHROOT_TIMEOUT raises the limit)" ;;
    *) die "installing the host's debootstrap failed with status $status" ;;
  esac
}

# The shell that runs in a private mount namespace: mounts the chroot's /proc, /sys and
# /dev, then the bind mounts given as triples (their count first; MODE is rw or ro), then
# enters the chroot with exactly the given environment.
#   unshare -m ... sh -c "$NAMESPACE_SH" sh ROOT NBINDS [HOST TARGET MODE]... NAME=VALUE... COMMAND...
# shellcheck disable=SC2016  # expanded by the inner shell, not here
NAMESPACE_SH='
  set -e
  root="$1" n="$2"
  shift 2
  mount -t proc proc "$root/proc"
  mount --rbind /sys "$root/sys"
  mount --rbind /dev "$root/dev"
  while [ "$n" -gt 0 ]; do
    src="$1" dst="$root$2" mode="$3"
    shift 3
    n=$((n - 1))
    if [ -d "$src" ]; then
      mkdir -p "$dst"
    else
      mkdir -p "$(dirname "$dst")"
      [ -e "$dst" ] || : >"$dst"
    fi
    mount --bind "$src" "$dst"
    [ "$mode" = rw ] || mount -o remount,bind,ro "$dst"
  done
  exec chroot "$root" /usr/bin/env -i "$@"'

# Runs a command inside an existing chroot, without bind mounts, within STEP_TIMEOUT; its
# output goes to the chroot's log, whose end is shown when it fails.
#   chroot_exec ROOT LOG WHAT COMMAND...
chroot_exec() {
  local root="$1" log="$2" what="$3" status=0
  shift 3
  echo "### $what" >>"$log"
  bounded "$STEP_TIMEOUT" "$what" unshare -m --propagation private -- /bin/sh -c "$NAMESPACE_SH" sh "$root" 0 \
    PATH="$CHROOT_PATH" HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@" >>"$log" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    tail -n 30 "$log" >&2
    die "$what failed with status $status (log above and in $log)"
  fi
}

cmd_ensure() {
  [ $# -ge 1 ] || { usage >&2; exit 2; }
  local name="$1"
  shift
  check_name "$name"
  need_root
  # CHROOT is SUITE or SUITE-TAG.
  local suite="${name%%-*}" root="$CACHE/$name"
  lock_chroot "$name" -x

  # Left by a run that was killed before it finished its chroot; never a finished one.
  local stale
  for stale in "$CACHE/.$name.tmp."*; do
    [ -e "$stale" ] || continue
    say "removing the unfinished chroot $stale"
    rm -rf --one-file-system "$stale"
  done

  local found=0
  if [ ! -d "$root" ]; then
    install_debootstrap
    find_mirrors "$suite"
    found=1
    local script=/usr/share/debootstrap/scripts/$suite
    # An older debootstrap may not know a newer suite; sid's script makes any of them.
    [ -e "$script" ] || script=/usr/share/debootstrap/scripts/sid
    local tmp="$CACHE/.$name.tmp.$$"
    mkdir -p "$tmp"
    say "creating the $name chroot in $root (debootstrap --variant=minbase $suite, from $MIRROR)"
    local started=$SECONDS
    # In its own mount namespace, so that the /proc and /sys debootstrap mounts in the
    # target can never stay mounted on the host if it is killed.
    if ! bounded "$STEP_TIMEOUT" "debootstrap $name" unshare -m --propagation private -- \
        debootstrap --variant=minbase "$suite" "$tmp" "$MIRROR" "$script" >"$CACHE/.$name.debootstrap.log" 2>&1; then
      tail -n 25 "$CACHE/.$name.debootstrap.log" >&2
      [ ! -f "$tmp/debootstrap/debootstrap.log" ] || tail -n 25 "$tmp/debootstrap/debootstrap.log" >&2
      rm -rf --one-file-system "$tmp"
      die "debootstrap $name failed (log above and in $CACHE/.$name.debootstrap.log)"
    fi
    write_sources "$tmp" "$suite"
    copy_host_config "$tmp"
    # Packages installed here must not start services: nothing inside is meant to stay running.
    printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
    chmod 755 "$tmp/usr/sbin/policy-rc.d"
    mv -T "$tmp" "$root"
    say "the $name chroot is ready ($((SECONDS - started)) s)"
  else
    copy_host_config "$root"
  fi

  [ $# -gt 0 ] || return 0
  local missing
  missing="$(evloop_deb_missing --chroot "$root" "$@" | tr '\n' ' ')"
  missing="${missing% }"
  if [ -z "$missing" ]; then
    say "$name: already installed: $*"
    return 0
  fi
  # Mirrors again, in case the suite moved to archive.debian.org since the chroot was made.
  [ "$found" -eq 1 ] || { find_mirrors "$suite"; write_sources "$root" "$suite"; }
  local log="$CACHE/.$name.apt.log" started=$SECONDS
  : >"$log"
  say "$name: installing $missing (apt-get's output: $log)"
  # Finishes what an interrupted earlier install left half-configured.
  chroot_exec "$root" "$log" "dpkg --configure -a ($name)" dpkg --configure -a
  chroot_exec "$root" "$log" "apt-get update ($name)" apt-get update -q
  # shellcheck disable=SC2086  # the names are words without blanks, one per package
  chroot_exec "$root" "$log" "apt-get install ($name)" apt-get install -y -q --no-install-recommends $missing
  chroot_exec "$root" "$log" "apt-get clean ($name)" apt-get clean
  missing="$(evloop_deb_missing --chroot "$root" "$@" | tr '\n' ' ')"
  [ -z "$missing" ] || die "$name: still not installed after apt-get: $missing"
  say "$name: installed $* ($((SECONDS - started)) s)"
}

cmd_run() {
  [ $# -ge 1 ] || { usage >&2; exit 2; }
  local name="$1"
  shift
  check_name "$name"
  local cwd=/ binds=() envs=() spec host target
  while [ $# -gt 0 ]; do
    case "$1" in
      --bind|--ro-bind)
        [ $# -ge 2 ] || { usage >&2; exit 2; }
        spec="$2"
        host="${spec%%:*}"
        if [ "$host" = "$spec" ]; then target=""; else target="${spec#*:}"; fi
        [ -e "$host" ] || die "--bind $spec: no such file or folder $host"
        host="$(readlink -f "$host")"
        [ -n "$target" ] || target="$host"
        case "$target" in /*) ;; *) die "--bind $spec: the path inside the chroot must be absolute" ;; esac
        if [ "$1" = --ro-bind ]; then binds+=("$host" "$target" ro); else binds+=("$host" "$target" rw); fi
        shift
        ;;
      --cwd) [ $# -ge 2 ] || { usage >&2; exit 2; }; cwd="$2"; shift ;;
      --env)
        [ $# -ge 2 ] || { usage >&2; exit 2; }
        case "$2" in [A-Za-z_]*=*) envs+=("$2") ;; *) die "--env $2: expected NAME=VALUE" ;; esac
        shift
        ;;
      --) shift; break ;;
      -h|--help) usage; exit 0 ;;
      *) echo "debian-chroot.sh: unknown argument '$1' (the command goes after --)" >&2; usage >&2; exit 2 ;;
    esac
    shift
  done
  [ $# -ge 1 ] || die "run: no command after --"
  need_root
  local root="$CACHE/$name"
  # Waits for an ensure of this chroot in progress; the lock is let go before the command
  # starts, so that a command that leaves a process behind never holds it.
  lock_chroot "$name" -s
  [ -x "$root/bin/sh" ] || die "no $name chroot in $root: run '$0 ensure $name' first"
  exec 9>&-
  local -a env_args=(PATH="$CHROOT_PATH" HOME=/root LANG=C.UTF-8)
  [ -z "${TERM:-}" ] || env_args+=(TERM="$TERM")
  exec unshare -m --propagation private -- /bin/sh -c "$NAMESPACE_SH" sh \
    "$root" $((${#binds[@]} / 3)) ${binds[@]+"${binds[@]}"} "${env_args[@]}" ${envs[@]+"${envs[@]}"} \
    /bin/sh -c 'cd "$1" || exit 125; shift; exec "$@"' sh "$cwd" "$@"
}

[ $# -ge 1 ] || { usage >&2; exit 2; }
command="$1"
shift
case "$command" in
  ensure) cmd_ensure "$@" ;;
  run) cmd_run "$@" ;;
  path) [ $# -eq 1 ] || { usage >&2; exit 2; }; check_name "$1"; echo "$CACHE/$1" ;;
  -h|--help) usage ;;
  *) echo "debian-chroot.sh: unknown command '$command'" >&2; usage >&2; exit 2 ;;
esac
