#!/usr/bin/env bash
# Installs what examples/consumer/run.sh needs on a machine that only has the evloop jar.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/lib/common.sh
. "$HERE/lib/common.sh"

usage() {
  cat <<'EOF'
Usage: scripts/install-consumer-prereqs.sh [--shim-runtime-libs]

Installs what examples/consumer/run.sh needs and is missing:
  - Maven, when 'mvn' is not on the PATH;
  - a JDK, when 'javac' is not on the PATH: on Debian/Ubuntu openjdk-17-jdk-headless
    where the release has it, else openjdk-21-jdk-headless, else default-jdk-headless
    (evloop_apt_jdk_package in scripts/lib/common.sh chooses, and says which and why);
    on macOS openjdk@17;
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

case "$(evloop_os || true)" in
  linux)
    command -v apt-get >/dev/null 2>&1 || { say "no apt-get: install Maven, a JDK 17+ and redis-server yourself"; exit 1; }
    wanted=(redis-server maven:mvn)
    # The -dev packages have the same names on every Debian and Ubuntu release and pull
    # in the runtime library, whose package name changes (libuv1, libuv1t64, ...).
    if [ "$RUNTIME_LIBS" -eq 1 ]; then wanted+=(libuv1-dev libhiredis-dev); fi
    evloop_apt_install "${wanted[@]}" @evloop_apt_jdk_package:javac || exit
    ;;
  darwin)
    command -v brew >/dev/null 2>&1 || { say "no Homebrew: install Maven, a JDK 17+ and redis yourself"; exit 1; }
    wanted=(redis maven:mvn openjdk@17:javac)
    if [ "$RUNTIME_LIBS" -eq 1 ]; then wanted+=(libuv hiredis); fi
    HOMEBREW_NO_AUTO_UPDATE=1 evloop_brew_install "${wanted[@]}" || exit
    ;;
  *) say "unsupported OS $(uname -s)"; exit 1 ;;
esac
command -v redis-server >/dev/null 2>&1 || { say "redis-server is still not on the PATH"; exit 1; }
say "redis-server: $(command -v redis-server)"
