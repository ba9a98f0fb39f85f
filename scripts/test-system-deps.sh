#!/usr/bin/env bash
# Builds and tests the variant distribution packagers make, linked against the system's
# shared libuv and hiredis (-DEVL_SYSTEM_DEPS=ON), in a Debian 13 chroot, whose hiredis
# (1.2) and libuv (1.50) are recent enough for it.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/test-system-deps.sh

  1. Makes (or reuses) the Debian 13 chroot with a C toolchain, cmake, libuv1-dev,
     libhiredis-dev, libssl-dev and openssl (the TLS layer, against OpenSSL 3.5),
     redis-server, a JDK 21 and Maven (scripts/debian-chroot.sh).
  2. Copies the repository's files (those git knows, changes included; no target/ or
     build/) to /tmp/evloop-system-deps inside it, so that nothing there touches the
     host's build folders.
  3. There, runs ./build-native.sh --no-install --system-deps: the C tests plain and under
     ASan+UBSan against the system's libraries, and the library's rules (exports).
  4. Runs the Java suites of the native loop (Native{EventLoop,RedisClient,RedisCluster,ChaosSoak,Tls,PubSub,Resp3Commands}Test
     and ReplyStreamDifferentialTest) against that library
     (-Devloop.native.path), offline, with the host's local Maven repository mounted as
     the chroot's. A native library that fails to load fails them.
Linux, as root.
EOF
}

case "${1:-}" in -h|--help) usage; exit 0 ;; esac
[ $# -eq 0 ] || { usage >&2; exit 2; }
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/lib/common.sh
. "$ROOT/scripts/lib/common.sh"
[ "$(evloop_os || true)" = linux ] || { echo "test-system-deps.sh: Linux only" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "test-system-deps.sh: run as root (chroot needs it)" >&2; exit 2; }

SUITE=trixie
CHROOT_TOOL="$ROOT/scripts/debian-chroot.sh"
M2="${HOME:-/root}/.m2"
[ -d "$M2/repository" ] || { echo "test-system-deps.sh: no $M2/repository: run the Maven build on the host first" >&2; exit 2; }

echo "==> Debian 13 ($SUITE) chroot with the system's libuv and hiredis"
"$CHROOT_TOOL" ensure "$SUITE" gcc libc6-dev make cmake pkg-config libuv1-dev libhiredis-dev \
  redis-server curl ca-certificates binutils file openjdk-21-jdk-headless maven libssl-dev openssl

inside=/tmp/evloop-system-deps
copy="$("$CHROOT_TOOL" path "$SUITE")$inside"
rm -rf "$copy"
mkdir -p "$copy"
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard \
  | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
  | tar --null -T - -cf -) | tar -xf - -C "$copy"

status=0
"$CHROOT_TOOL" run "$SUITE" --bind "$M2:/root/.m2" --cwd "$inside" -- bash -c 'set -euo pipefail
  echo "==> In Debian $(cat /etc/debian_version): libuv $(pkg-config --modversion libuv), hiredis $(pkg-config --modversion hiredis), $(getconf GNU_LIBC_VERSION)"
  rm -rf /tmp/evloop-system-native
  ./build-native.sh --no-install --system-deps --output /tmp/evloop-system-native
  echo "==> Java suites of the native loop against build/native-system/libevloop.so"
  # Named by path, and also as the classes'"'"' bundled copies: the child JVMs some suites start
  # (the TLS suite'"'"'s trust store probe) get the class path, not this JVM'"'"'s properties.
  mvn -B -ntp -o test -Devloop.nativeDir=/tmp/evloop-system-native -Dtest="NativeEventLoopTest,NativeRedisClientTest,NativeRedisClusterTest,NativeChaosSoakTest,NativeTlsTest,NativePubSubTest,NativeResp3CommandsTest,ReplyStreamDifferentialTest" \
    -Devloop.native.path="$PWD/build/native-system/libevloop.so" -Devloop.requireNative=true' \
  || status=$?
rm -rf "$copy"
exit "$status"
