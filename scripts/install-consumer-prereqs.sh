#!/usr/bin/env bash
# Installs what examples/consumer/run.sh needs on a machine that only has the evloop jar.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/apt-jdk.sh
. "$HERE/apt-jdk.sh"

usage() {
  cat <<'EOF'
Usage: scripts/install-consumer-prereqs.sh [--shim-runtime-libs]

Installs what examples/consumer/run.sh needs and is missing:
  - Maven, when 'mvn' is not on the PATH;
  - a JDK, when 'javac' is not on the PATH: on Debian/Ubuntu openjdk-17-jdk-headless
    where the release has it, else openjdk-21-jdk-headless, else default-jdk-headless
    (scripts/apt-jdk.sh chooses, and says which and why); on macOS openjdk@17;
  - redis-server (the consumer's script starts its own).
With --shim-runtime-libs also libuv and hiredis, for a libevloop built against the
system's shared libraries (-DEVL_SYSTEM_DEPS=ON). The jar's own libevloop links both in
and needs nothing but the C library, so the CI smoke test runs without them.

Debian/Ubuntu: apt-get update, then apt-get install -y --no-install-recommends of the
missing packages (as root, or through sudo); nothing at all when none is missing.
macOS: brew install of the missing formulae.
EOF
}

RUNTIME_LIBS=0
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  --shim-runtime-libs) RUNTIME_LIBS=1 ;;
  "") ;;
  *) usage >&2; exit 2 ;;
esac

say() { echo "install-consumer-prereqs.sh: $*"; }

case "$(uname -s)" in
  Linux)
    command -v apt-get >/dev/null 2>&1 || { say "no apt-get: install Maven, a JDK 17+ and redis-server yourself"; exit 1; }
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
      command -v sudo >/dev/null 2>&1 || { say "not root and no sudo: run as root"; exit 1; }
      SUDO="sudo"
    fi
    wanted=(redis-server)
    command -v mvn >/dev/null 2>&1 || wanted+=(maven)
    # The -dev packages have the same names on every Debian and Ubuntu release and pull
    # in the runtime library, whose package name changes (libuv1, libuv1t64, ...).
    if [ "$RUNTIME_LIBS" -eq 1 ]; then wanted+=(libuv1-dev libhiredis-dev); fi
    missing=()
    for pkg in "${wanted[@]}"; do
      dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    need_jdk=0
    command -v javac >/dev/null 2>&1 || need_jdk=1
    if [ ${#missing[@]} -eq 0 ] && [ "$need_jdk" -eq 0 ]; then
      say "nothing to install"
    else
      $SUDO apt-get update -q
      # Which JDK depends on the release, so it is chosen from the lists just updated.
      if [ "$need_jdk" -eq 1 ]; then
        jdk="$(evloop_apt_jdk_package)" || { say "no JDK package to install: install a JDK 17+ yourself"; exit 1; }
        missing+=("$jdk")
      fi
      say "installing ${missing[*]}"
      $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
    ;;
  Darwin)
    command -v brew >/dev/null 2>&1 || { say "no Homebrew: install Maven, a JDK 17+ and redis yourself"; exit 1; }
    wanted=(redis)
    command -v mvn >/dev/null 2>&1 || wanted+=(maven)
    command -v javac >/dev/null 2>&1 || wanted+=(openjdk@17)
    if [ "$RUNTIME_LIBS" -eq 1 ]; then wanted+=(libuv hiredis); fi
    missing=()
    for formula in "${wanted[@]}"; do
      brew list --versions "$formula" >/dev/null 2>&1 || missing+=("$formula")
    done
    if [ ${#missing[@]} -eq 0 ]; then
      say "nothing to install"
    else
      say "installing ${missing[*]}"
      HOMEBREW_NO_AUTO_UPDATE=1 brew install "${missing[@]}"
    fi
    ;;
  *) say "unsupported OS $(uname -s)"; exit 1 ;;
esac
command -v redis-server >/dev/null 2>&1 || { say "redis-server is still not on the PATH"; exit 1; }
say "redis-server: $(command -v redis-server)"
