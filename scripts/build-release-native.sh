#!/usr/bin/env bash
# Builds the Linux libevloop that goes into the released jar on the oldest glibc it
# promises to load on: inside a Debian 11 chroot (glibc 2.31). A library linked against a
# newer glibc picks up newer symbol versions (GLIBC_2.34 and up on Debian 12) and then
# fails to load on older systems, so the jar's copy is made where the floor is.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/build-release-native.sh [OUTPUT_DIR]
       scripts/build-release-native.sh --here [--glibc-floor VERSION] OUTPUT_DIR

Without --here (Linux, as root):
  1. Makes (or reuses) the Debian 11 chroot with a C toolchain, cmake, curl and
     redis-server (scripts/debian-chroot.sh ensure bullseye ...).
  2. Runs this script with --here inside it, the repository bind-mounted.
  3. Checks the result again with the host's tools (scripts/inspect-native.sh
     --glibc-floor 2.31).
  OUTPUT_DIR defaults to build/release-native.

With --here, on the machine it runs on (the chroot above, or a CI container such as a
manylinux_2_28 image): configures native/ (Release) in build/native-glibc<version of this
machine's glibc>, which builds libuv and hiredis from Debian's sources
(scripts/deps-from-debian.sh, cached), builds the library and its C tests, runs them
(ctest), and has the library copied to OUTPUT_DIR/META-INF/native/linux-<arch>/libevloop.so;
then checks it with scripts/inspect-native.sh: the evl_ exports, nothing needed but the C
library, and no GLIBC_ symbol version above the floor (default: this machine's glibc).

Put the result into the jar with: mvn package -Devloop.nativeDir=OUTPUT_DIR
EOF
}

FLOOR=2.31
SUITE=bullseye
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/lib/common.sh
. "$ROOT/scripts/lib/common.sh"
[ "$(evloop_os || true)" = linux ] || { echo "build-release-native.sh: Linux only" >&2; exit 2; }

if [ "${1:-}" = --here ]; then
  shift
  glibc="$(getconf GNU_LIBC_VERSION | sed 's/^glibc //')"
  floor="$glibc"
  if [ "${1:-}" = --glibc-floor ]; then
    [ $# -ge 2 ] || { usage >&2; exit 2; }
    floor="$2"; shift 2
  fi
  [ $# -eq 1 ] || { usage >&2; exit 2; }
  mkdir -p "$1"
  output="$(cd "$1" && pwd)"
  build="$ROOT/build/native-glibc$glibc"
  echo "==> Building the release libevloop on glibc $glibc in $build"
  cmake -S "$ROOT/native" -B "$build" -DCMAKE_BUILD_TYPE=Release -DEVL_RESOURCES_DIR="$output"
  cmake --build "$build" --parallel "$(evloop_jobs)"
  (cd "$build" && ctest --output-on-failure)
  exec "$ROOT/scripts/inspect-native.sh" --glibc-floor "$floor" "$output"/META-INF/native/linux-*/libevloop.so
fi

case "${1:-}" in -h|--help) usage; exit 0 ;; esac
[ $# -le 1 ] || { usage >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "build-release-native.sh: run as root (debootstrap and chroot need it)" >&2; exit 2; }
OUTPUT="${1:-$ROOT/build/release-native}"
mkdir -p "$OUTPUT"
OUTPUT="$(cd "$OUTPUT" && pwd)"

echo "==> Debian 11 ($SUITE) chroot for the release build"
"$ROOT/scripts/debian-chroot.sh" ensure "$SUITE" \
  gcc libc6-dev make cmake pkg-config curl ca-certificates binutils file redis-server
"$ROOT/scripts/debian-chroot.sh" run "$SUITE" --bind "$ROOT" --bind "$OUTPUT" --cwd "$ROOT" -- \
  "$ROOT/scripts/build-release-native.sh" --here --glibc-floor "$FLOOR" "$OUTPUT"

echo "==> Checking the release library against the glibc $FLOOR floor with the host's tools"
lib="$(ls "$OUTPUT"/META-INF/native/linux-*/libevloop.so)"
"$ROOT/scripts/inspect-native.sh" --glibc-floor "$FLOOR" "$lib"
echo "==> Release library: $lib"
