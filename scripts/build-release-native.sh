#!/usr/bin/env bash
# Builds the Linux libevloop that goes into the released jar on the oldest glibc it
# promises to load on: inside a Debian 11 chroot (glibc 2.31). A library linked against a
# newer glibc picks up newer symbol versions (GLIBC_2.34 and up on Debian 12) and then
# fails to load on older systems, so the jar's copy is made where the floor is.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/build-release-native.sh [OUTPUT_DIR]

  1. Makes (or reuses) the Debian 11 chroot with a C toolchain, cmake, curl and
     redis-server (scripts/debian-chroot.sh ensure bullseye ...).
  2. In it, with the repository bind-mounted, configures native/ (Release) in
     build/native-glibc<floor>, which builds libuv and hiredis from Debian's sources
     (scripts/deps-from-debian.sh; cached inside the chroot), builds the library and its
     C tests and runs them (ctest), with the library copied to
     OUTPUT_DIR/META-INF/native/linux-<arch>/libevloop.so (default OUTPUT_DIR:
     build/release-native).
  3. Checks that library on the host with scripts/inspect-native.sh --glibc-floor 2.31:
     the evl_ exports, nothing needed but the C library, and no GLIBC_ symbol version
     above 2.31. Any failure fails the script.

Put it into the jar with: mvn package -Devloop.nativeDir=OUTPUT_DIR
Linux x86_64 or aarch64, as root (debootstrap and chroot need it).
EOF
}

case "${1:-}" in -h|--help) usage; exit 0 ;; esac
[ $# -le 1 ] || { usage >&2; exit 2; }

FLOOR=2.31
SUITE=bullseye
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUTPUT="${1:-$ROOT/build/release-native}"
[ "$(uname -s)" = Linux ] || { echo "build-release-native.sh: Linux only" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "build-release-native.sh: run as root (debootstrap and chroot need it)" >&2; exit 2; }
mkdir -p "$OUTPUT"
OUTPUT="$(cd "$OUTPUT" && pwd)"
BUILD="$ROOT/build/native-glibc$FLOOR"

echo "==> Debian 11 ($SUITE) chroot for the release build"
"$ROOT/scripts/debian-chroot.sh" ensure "$SUITE" \
  gcc libc6-dev make cmake pkg-config curl ca-certificates binutils file redis-server

echo "==> Building libevloop in the chroot (glibc $("$ROOT/scripts/debian-chroot.sh" run "$SUITE" -- \
  getconf GNU_LIBC_VERSION | sed 's/^glibc //'))"
"$ROOT/scripts/debian-chroot.sh" run "$SUITE" --bind "$ROOT" --bind "$OUTPUT" --cwd "$ROOT" -- \
  bash -c 'set -euo pipefail
    cmake -S native -B "$1" -DCMAKE_BUILD_TYPE=Release -DEVL_RESOURCES_DIR="$2"
    cmake --build "$1" --parallel "$(getconf _NPROCESSORS_ONLN)"
    cd "$1" && ctest --output-on-failure' \
  build-in-chroot "$BUILD" "$OUTPUT"

echo "==> Checking the release library against the glibc $FLOOR floor"
lib="$(ls "$OUTPUT"/META-INF/native/linux-*/libevloop.so)"
"$ROOT/scripts/inspect-native.sh" --glibc-floor "$FLOOR" "$lib"
echo "==> Release library: $lib"
