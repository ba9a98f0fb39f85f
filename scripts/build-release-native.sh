#!/usr/bin/env bash
# Builds the Linux libraries that go into the released jar on the oldest glibc they promise
# to load on: libevloop and libevloop-tls11 (OpenSSL 1.1) inside a Debian 11 chroot (glibc
# 2.31), libevloop-tls3 (OpenSSL 3) inside a Debian 12 chroot, the oldest Debian with OpenSSL
# 3 (3.0, the generation's first ABI; the library uses nothing of glibc beyond 2.31, which the
# check below proves). A library linked against a newer glibc picks up newer symbol versions
# (GLIBC_2.34 and up on Debian 12) and then fails to load on older systems, so each copy is
# made where its floor is, and checked against the glibc 2.31 floor.
#
# Why two TLS layers rather than one that dlopens whichever libssl is there: OpenSSL 1.1 and 3
# differ in ABI (symbol versions, functions that became macros and back), so one binary
# would have to declare OpenSSL's API by hand for both; two builds of the same source against
# each generation's real headers let the compiler and the linker check every call, and the
# loader picks the one whose libssl the system has (libevloop-tls3 first).
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/build-release-native.sh [OUTPUT_DIR]
       scripts/build-release-native.sh --here [--glibc-floor VERSION] [--tls-only] OUTPUT_DIR

Without --here (Linux, as root):
  1. Makes (or reuses) the Debian 11 chroot with a C toolchain, cmake, curl, redis-server,
     OpenSSL 1.1's development files and the openssl command (scripts/debian-chroot.sh
     ensure bullseye ...), and runs this script with --here inside it, the repository
     bind-mounted: libevloop.so and libevloop-tls11.so.
  2. The same in a Debian 12 chroot (bookworm, OpenSSL 3.0) with --tls-only:
     libevloop-tls3.so.
  3. Checks the result again with the host's tools (scripts/inspect-native.sh
     --glibc-floor 2.31).
  OUTPUT_DIR defaults to build/release-native; it ends up holding
  META-INF/native/linux-<arch>/ with libevloop.so, libevloop-tls3.so and libevloop-tls11.so.

With --here, on the machine it runs on (a chroot above, or a CI container such as a
manylinux_2_28 image): configures native/ (Release) in build/native-glibc<version of this
machine's glibc>, which builds libuv and hiredis from Debian's sources
(scripts/deps-from-debian.sh, cached) and the TLS layer against this machine's OpenSSL
(required), builds the libraries and their C tests, runs them (ctest), and has the libraries
copied to OUTPUT_DIR/META-INF/native/linux-<arch>/; then checks them with
scripts/inspect-native.sh: the exports, nothing needed but the C library (and OpenSSL for the
TLS layer), and no GLIBC_ symbol version above the floor (default: this machine's glibc).
With --tls-only only the TLS layer is kept in OUTPUT_DIR and checked (libevloop is still
built and tested with it, but its copy from this machine is not the release's).

Put the result into the jar with: mvn package -Devloop.nativeDir=OUTPUT_DIR
EOF
}

FLOOR=2.31
SUITE=bullseye
TLS3_SUITE=bookworm
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/lib/common.sh
. "$ROOT/scripts/lib/common.sh"
[ "$(evloop_os || true)" = linux ] || { echo "build-release-native.sh: Linux only" >&2; exit 2; }

if [ "${1:-}" = --here ]; then
  shift
  glibc="$(getconf GNU_LIBC_VERSION | sed 's/^glibc //')"
  floor="$glibc"
  tls_only=0
  while [ $# -gt 1 ]; do
    case "$1" in
      --glibc-floor) [ $# -ge 3 ] || { usage >&2; exit 2; }; floor="$2"; shift 2 ;;
      --tls-only) tls_only=1; shift ;;
      *) break ;;
    esac
  done
  [ $# -eq 1 ] || { usage >&2; exit 2; }
  mkdir -p "$1"
  output="$(cd "$1" && pwd)"
  build="$ROOT/build/native-glibc$glibc"
  echo "==> Building the release libraries on glibc $glibc in $build"
  cmake -S "$ROOT/native" -B "$build" -DCMAKE_BUILD_TYPE=Release -DEVL_TLS=ON -DEVL_RESOURCES_DIR="$output"
  cmake --build "$build" --parallel "$(evloop_jobs)"
  (cd "$build" && ctest --output-on-failure)
  folder="$(ls -d "$output"/META-INF/native/linux-*)"
  if [ "$tls_only" -eq 1 ]; then
    rm -f "$folder/libevloop.so"
    exec "$ROOT/scripts/inspect-native.sh" --glibc-floor "$floor" "$folder"/libevloop-tls*.so
  fi
  exec "$ROOT/scripts/inspect-native.sh" --glibc-floor "$floor" "$folder"/libevloop*.so
fi

case "${1:-}" in -h|--help) usage; exit 0 ;; esac
[ $# -le 1 ] || { usage >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "build-release-native.sh: run as root (debootstrap and chroot need it)" >&2; exit 2; }
OUTPUT="${1:-$ROOT/build/release-native}"
mkdir -p "$OUTPUT"
OUTPUT="$(cd "$OUTPUT" && pwd)"

PACKAGES=(gcc libc6-dev make cmake pkg-config curl ca-certificates binutils file redis-server libssl-dev openssl)

echo "==> Debian 11 ($SUITE) chroot for the release build: libevloop and libevloop-tls11"
"$ROOT/scripts/debian-chroot.sh" ensure "$SUITE" "${PACKAGES[@]}"
"$ROOT/scripts/debian-chroot.sh" run "$SUITE" --bind "$ROOT" --bind "$OUTPUT" --cwd "$ROOT" -- \
  "$ROOT/scripts/build-release-native.sh" --here --glibc-floor "$FLOOR" "$OUTPUT"

echo "==> Debian 12 ($TLS3_SUITE) chroot for libevloop-tls3"
tls3_out="$(mktemp -d "${TMPDIR:-/tmp}/evloop-tls3.XXXXXX")"
trap 'rm -rf "$tls3_out"' EXIT
"$ROOT/scripts/debian-chroot.sh" ensure "$TLS3_SUITE" "${PACKAGES[@]}"
"$ROOT/scripts/debian-chroot.sh" run "$TLS3_SUITE" --bind "$ROOT" --bind "$tls3_out" --cwd "$ROOT" -- \
  "$ROOT/scripts/build-release-native.sh" --here --glibc-floor "$FLOOR" --tls-only "$tls3_out"
folder="$(ls -d "$OUTPUT"/META-INF/native/linux-*)"
cp "$tls3_out"/META-INF/native/"$(basename "$folder")"/libevloop-tls3.so "$folder/"

echo "==> Checking the release libraries against the glibc $FLOOR floor with the host's tools"
"$ROOT/scripts/inspect-native.sh" --glibc-floor "$FLOOR" "$folder/libevloop.so" "$folder/libevloop-tls3.so" \
  "$folder/libevloop-tls11.so"
echo "==> Release libraries: $(ls "$folder" | tr '\n' ' ')in $folder"
