#!/usr/bin/env bash
# Runs every test of evloop on a fresh Debian/Ubuntu or macOS machine:
#   1. build-native.sh installs what is missing (cmake, a C compiler, curl, openssl,
#      redis-server), builds the C shim and runs its C tests plain and under ASan+UBSan;
#      on Linux, scripts/fuzz-native.sh then fuzzes the shim's reply path for 60 s;
#   2. Maven builds the jar (with the shim inside), runs the Java tests against both event
#      loops (a native library that fails to load fails the build) and installs the jar
#      (and its test fixtures, classifier "tests") into the local Maven repository; the demo
#      project (examples/demo) is built against it and runs its smoke test;
#   3. the consumer example (examples/consumer) runs in a fresh JVM against that jar, with
#      nothing else on its classpath, and must get the native loop, then again with evloop on the
#      module path (on Linux also with the
#      system libuv and hiredis hidden in a mount namespace, when root or sudo allows);
#   4. on a Debian host, as root: the release jar tried on three Debian generations
#      (scripts/test-debian-generations.sh: the Linux library built in a Debian 11 chroot
#      against the glibc 2.31 floor; the consumer example on Debian 11, 12 and 13; the
#      system-libraries build tested in a Debian 13 chroot);
#   5. on a machine that has a newer JDK (Temurin 25 under /usr/lib/jvm), a smoke run there.
# Usage: ./test.sh [extra Maven arguments, e.g. -Dtest=JavaEventLoopTest]
set -euo pipefail
cd "$(dirname "$0")"

. scripts/ensure-java-maven.sh

./build-native.sh
if [ "$(uname -s)" = Linux ]; then
  echo "==> Fuzzing the shim's reply path (libFuzzer, ASan+UBSan, 60 s)"
  scripts/fuzz-native.sh 60
fi
mvn -B -ntp install -Devloop.requireNative=true "$@"
echo "==> The demo project (examples/demo) against the installed jar: its smoke test"
mvn -B -ntp -f examples/demo/pom.xml verify
echo "==> Consumer example against the installed jar"
EVLOOP_REQUIRE_NATIVE=1 examples/consumer/run.sh --skip-install
echo "==> Consumer example with evloop on the module path (the automatic module io.evloop)"
EVLOOP_REQUIRE_NATIVE=1 examples/consumer/run.sh --skip-install --module-path
if [ "$(uname -s)" = Linux ] && { [ "$(id -u)" -eq 0 ] || sudo -n true 2>/dev/null; }; then
  echo "==> Consumer example again, with the system libuv and hiredis hidden (the jar's copies only)"
  EVLOOP_REQUIRE_NATIVE=1 scripts/without-system-libs.sh examples/consumer/run.sh --skip-install
fi
if [ "$(uname -s)" = Linux ] && [ "$(id -u)" -eq 0 ] && grep -q '^ID=debian$' /etc/os-release 2>/dev/null; then
  echo "==> The release jar on Debian 11, 12 and 13"
  scripts/test-debian-generations.sh
else
  echo "==> Skipped: the Debian generations (scripts/test-debian-generations.sh) need a Debian host and root"
fi
newest_jdk="$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -n 1 || true)"
if [ -n "$newest_jdk" ]; then
  echo "==> Smoke run on $newest_jdk"
  scripts/smoke-jdk.sh "$newest_jdk" --skip-install
fi
