# shellcheck shell=bash
# Sourced by the repository's scripts, so that each of these rules lives in one place: the
# platform names, the project's version, and installing what a script needs with apt-get
# or Homebrew. Defines evloop_* functions only: no shell options, no variables, nothing
# run. Every function reports trouble through its status instead of exiting, so that it
# behaves the same with and without set -e (which a || after a call turns off inside it),
# and it sticks to bash 3.2, macOS's /bin/bash.

# ---- platforms ------------------------------------------------------------------------
# The <os>-<arch> names of the folders under META-INF/native/: they must be those
# native/CMakeLists.txt copies the library into and NativeLibraryLoader looks for.

# Prints linux or darwin; fails on any other system.
evloop_os() {
  case "$(uname -s)" in
    Linux) echo linux ;;
    Darwin) echo darwin ;;
    *) return 1 ;;
  esac
}

# Prints x86_64 or aarch64 (amd64 and arm64 are other names of the same); fails otherwise.
evloop_arch() {
  case "$(uname -m)" in
    x86_64|amd64) echo x86_64 ;;
    aarch64|arm64) echo aarch64 ;;
    *) return 1 ;;
  esac
}

# Prints this machine's <os>-<arch>, e.g. linux-x86_64.
evloop_platform() {
  local os arch
  os="$(evloop_os)" && arch="$(evloop_arch)" && echo "$os-$arch"
}

# evloop_is_platform NAME: whether NAME is one of the four platforms evloop ships for.
evloop_is_platform() {
  case "$1" in
    linux-x86_64|linux-aarch64|darwin-x86_64|darwin-aarch64) return 0 ;;
    *) return 1 ;;
  esac
}

# evloop_lib_name OS|PLATFORM: the library's file name there, libevloop.so or libevloop.dylib.
evloop_lib_name() {
  case "$1" in
    linux|linux-*) echo libevloop.so ;;
    darwin|darwin-*) echo libevloop.dylib ;;
    *) return 1 ;;
  esac
}

# evloop_tls_lib_names OS|PLATFORM: the file names the TLS layer may have there, one a line,
# newest OpenSSL first: libevloop-tls3 (OpenSSL 3) and, on Linux, libevloop-tls11 (OpenSSL
# 1.1). NativeLibraryLoader tries them in this order.
evloop_tls_lib_names() {
  case "$1" in
    linux|linux-*) printf '%s\n' libevloop-tls3.so libevloop-tls11.so ;;
    darwin|darwin-*) echo libevloop-tls3.dylib ;;
    *) return 1 ;;
  esac
}

# One job per online CPU; sysctl for a macOS whose getconf lacks the name.
evloop_jobs() {
  getconf _NPROCESSORS_ONLN 2>/dev/null || sysctl -n hw.ncpu 2>/dev/null || echo 2
}

# evloop_version ROOT: the project's version, the first <version> of ROOT/pom.xml (the pom
# has no parent, so that is the project's own).
evloop_version() {
  sed -n 's:^ *<version>\(.*\)</version>.*:\1:p' "$1/pom.xml" | head -n 1
}

# ---- installing -----------------------------------------------------------------------
# A SPEC names a package, optionally with what proves it is there when the package manager
# does not know it: PACKAGE:COMMAND (on the PATH) or PACKAGE:/PATH (an existing file).
# Tools installed some other way count, so nothing is installed twice.

# evloop_as_root COMMAND...: as root directly, else through sudo.
evloop_as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "${0##*/}: not root and no sudo to run: $*" >&2
    return 1
  fi
}

# Whether the SPEC's witness (the part after the colon) is there.
evloop_spec_present() {
  local witness="${1#*:}"
  [ "$witness" != "$1" ] || return 1
  case "$witness" in
    /*) [ -e "$witness" ] ;;
    *) command -v "$witness" >/dev/null 2>&1 ;;
  esac
}

# evloop_deb_missing [--chroot DIR] PACKAGE...: prints those of the packages dpkg does not
# have installed (in the Debian tree at DIR, with its own dpkg-query), one a line.
evloop_deb_missing() {
  local -a query=(dpkg-query)
  if [ "${1:-}" = --chroot ]; then
    query=(chroot "$2" /usr/bin/dpkg-query)
    shift 2
  fi
  local pkg status
  for pkg in "$@"; do
    # Captured rather than piped into grep -q, which under pipefail can fail a match.
    # shellcheck disable=SC2016  # dpkg-query's format, not the shell's
    status="$("${query[@]}" -W -f='${Status}' "$pkg" 2>/dev/null || true)"
    case "$status" in
      *"install ok installed"*) ;;
      *) echo "$pkg" ;;
    esac
  done
}

# Prints the first of openjdk-17-jdk-headless, openjdk-21-jdk-headless and
# default-jdk-headless that apt can install (a candidate in its lists, so after apt-get
# update), and on stderr which one and why: not every release has the same ones (Debian 13
# has no openjdk-17, Debian 11 and 12 no openjdk-21). Fails if apt has none of them.
evloop_apt_jdk_package() {
  local pkg candidate skipped=""
  for pkg in openjdk-17-jdk-headless openjdk-21-jdk-headless default-jdk-headless; do
    candidate="$(apt-cache policy "$pkg" 2>/dev/null | awk '$1 == "Candidate:" { print $2; exit }' || true)"
    if [ -n "$candidate" ] && [ "$candidate" != "(none)" ]; then
      if [ -z "$skipped" ]; then
        echo "JDK: $pkg $candidate (Java 17, the version evloop is built for)" >&2
      else
        echo "JDK: $pkg $candidate, because apt has no$skipped" >&2
      fi
      echo "$pkg"
      return 0
    fi
    skipped="$skipped $pkg"
  done
  echo "JDK: apt can install none of$skipped (apt-get update first?)" >&2
  return 1
}

# apt-get as root and without questions; EVLOOP_APT_TIMEOUT (seconds) bounds each run, with
# timeout's status 124 when it runs out.
evloop_apt_get() {
  if [ -n "${EVLOOP_APT_TIMEOUT:-}" ]; then
    evloop_as_root env DEBIAN_FRONTEND=noninteractive timeout -k 20 "$EVLOOP_APT_TIMEOUT" apt-get "$@"
  else
    evloop_as_root env DEBIAN_FRONTEND=noninteractive apt-get "$@"
  fi
}

# evloop_apt_install SPEC...: installs the missing ones with apt-get update, then apt-get
# install -y --no-install-recommends, as root or through sudo; runs nothing when none is
# missing. A SPEC may also be @FUNCTION[:WITNESS]: a package whose name depends on the
# release, which FUNCTION prints once the lists are updated (evloop_apt_jdk_package).
# Fails with the status of what failed.
evloop_apt_install() {
  local me="${0##*/}" spec name status=0 pkg wanted=""
  local -a plain=() choosers=() todo=()
  for spec in "$@"; do
    evloop_spec_present "$spec" && continue
    name="${spec%%:*}"
    case "$name" in
      @*) choosers+=("${name#@}") ;;
      *) plain+=("$name") ;;
    esac
  done
  if [ ${#plain[@]} -gt 0 ]; then
    command -v dpkg-query >/dev/null 2>&1 \
      || { echo "$me: no dpkg-query to tell what is installed: install ${plain[*]} yourself" >&2; return 1; }
    for pkg in $(evloop_deb_missing "${plain[@]}"); do todo+=("$pkg"); done
  fi
  [ ${#todo[@]} -eq 0 ] || wanted="${todo[*]}"
  for name in ${choosers[@]+"${choosers[@]}"}; do wanted="${wanted:+$wanted }<what $name picks>"; done
  if [ -z "$wanted" ]; then
    echo "$me: nothing to install"
    return 0
  fi
  command -v apt-get >/dev/null 2>&1 || { echo "$me: no apt-get: install $wanted yourself" >&2; return 1; }
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
    printf '%s: missing packages: %s\nRun as root:\n  apt-get update && apt-get install -y --no-install-recommends %s\nthen run %s again.\n' \
      "$me" "$wanted" "$wanted" "$me" >&2
    return 1
  fi
  evloop_apt_get update -q || { status=$?; echo "$me: apt-get update failed" >&2; return "$status"; }
  for name in ${choosers[@]+"${choosers[@]}"}; do
    pkg="$("$name")" || { echo "$me: $name found no package to install" >&2; return 1; }
    todo+=("$pkg")
  done
  echo "$me: installing ${todo[*]} (apt-get)"
  evloop_apt_get install -y -q --no-install-recommends "${todo[@]}" \
    || { status=$?; echo "$me: apt-get install ${todo[*]} failed" >&2; return "$status"; }
}

# evloop_brew_install SPEC...: brew install of those Homebrew does not list and that are
# not otherwise there; runs nothing when none is missing. Fails with brew's status.
evloop_brew_install() {
  local me="${0##*/}" spec name
  local -a todo=()
  for spec in "$@"; do
    evloop_spec_present "$spec" && continue
    name="${spec%%:*}"
    brew list --versions "$name" >/dev/null 2>&1 || todo+=("$name")
  done
  if [ ${#todo[@]} -eq 0 ]; then
    echo "$me: nothing to install"
    return 0
  fi
  echo "$me: installing ${todo[*]} (Homebrew)"
  brew install "${todo[@]}"
}
