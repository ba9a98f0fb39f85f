#!/usr/bin/env bash
# The jar as it is released, tried on three Debian generations: its Linux library is built
# on Debian 11 (glibc 2.31, the floor), and the consumer example must get the native loop
# from the jar alone on Debian 11, 12 and 13; then the distribution packagers' variant
# (the system's shared libuv and hiredis) is built and tested on Debian 13.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/test-debian-generations.sh

  1. scripts/build-release-native.sh build/release-native: the Linux libevloop and
     libevloop-tls11 built and C-tested in a Debian 11 chroot, libevloop-tls3 in a Debian 12
     one, all checked against the glibc 2.31 floor.
  2. mvn install -Devloop.nativeDir=build/release-native (offline, no tests): the jar with
     those libraries, into target/ and the local Maven repository; the copies inside the
     jar are checked again (scripts/inspect-native.sh --glibc-floor 2.31).
  3. The consumer example against that jar, the native loop required: on this machine,
     then in a Debian 11 and a Debian 13 chroot that have a JDK and nothing else
     (scripts/consumer-in-chroot.sh); there, the jar's TLS layer for that Debian's own
     OpenSSL (1.1 on 11, 3 on 13) must resolve every library it needs (ldd).
  4. scripts/test-system-deps.sh: -DEVL_SYSTEM_DEPS=ON in the Debian 13 chroot, C tests
     plain and under ASan+UBSan, and the native loop's Java suites.
Linux, as root; the chroots are cached (scripts/debian-chroot.sh), so only the first run
makes them (about a minute each).
EOF
}

case "${1:-}" in -h|--help) usage; exit 0 ;; esac
[ $# -eq 0 ] || { usage >&2; exit 2; }
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/lib/common.sh
. "$ROOT/scripts/lib/common.sh"
cd "$ROOT"
FLOOR=2.31

scripts/build-release-native.sh build/release-native

echo "==> The jar with the Debian 11 library"
mvn -B -ntp -o -q -DskipTests -Devloop.nativeDir="$ROOT/build/release-native" install
VERSION="$(evloop_version "$ROOT")"
JAR="$ROOT/target/evloop-$VERSION.jar"
check="$(mktemp -d "${TMPDIR:-/tmp}/evloop-jar-check.XXXXXX")"
trap 'rm -rf "$check"' EXIT
(cd "$check" && unzip -q "$JAR" 'META-INF/native/*')
echo "    the jar carries: $(cd "$check" && find META-INF/native -type f | tr '\n' ' ')"
scripts/inspect-native.sh --glibc-floor "$FLOOR" "$check"/META-INF/native/linux-*/libevloop*.so

echo "==> Consumer example, Debian $(cat /etc/debian_version 2>/dev/null || echo '?') (this machine), against $JAR"
EVLOOP_REQUIRE_NATIVE=1 examples/consumer/run.sh --skip-install
echo "==> Consumer example, Debian 11"
scripts/consumer-in-chroot.sh bullseye "$JAR"
echo "==> Consumer example, Debian 13"
scripts/consumer-in-chroot.sh trixie "$JAR"

# TLS_LIB (from the jar) resolves everything it needs in CHROOT, against that Debian's OpenSSL.
tls_layer_resolves() {
  local chroot="$1" lib="$2" root out
  root="$(scripts/debian-chroot.sh path "$chroot")"
  rm -rf "$root/tmp/evloop-tls-check"
  mkdir -p "$root/tmp/evloop-tls-check"
  cp "$check"/META-INF/native/linux-*/"$lib" "$root/tmp/evloop-tls-check/"
  out="$(scripts/debian-chroot.sh run "$chroot" -- ldd "/tmp/evloop-tls-check/$lib" 2>&1 || true)"
  rm -rf "$root/tmp/evloop-tls-check"
  printf '%s\n' "$out" | sed 's/^/    /'
  printf '%s\n' "$out" | grep -q 'libssl' && ! printf '%s\n' "$out" | grep -q -e 'not found' -e 'not a dynamic'
}
echo "==> The jar's TLS layers against each Debian's own OpenSSL"
tls_layer_resolves bullseye-jre libevloop-tls11.so \
  || { echo "test-debian-generations.sh: libevloop-tls11.so does not resolve on Debian 11" >&2; exit 1; }
tls_layer_resolves trixie-jre libevloop-tls3.so \
  || { echo "test-debian-generations.sh: libevloop-tls3.so does not resolve on Debian 13" >&2; exit 1; }

echo "==> Debian 13, the system's libuv and hiredis"
scripts/test-system-deps.sh
