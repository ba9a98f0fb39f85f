#!/usr/bin/env bash
# Runs every test of evloop on a fresh Debian/Ubuntu or macOS machine:
#   1. build-native.sh installs what is missing (libuv, hiredis, cmake, a C compiler,
#      redis-server), builds the C shim and runs its C tests plain and under ASan+UBSan;
#   2. Maven builds the jar (with the shim inside), runs the Java tests against both event
#      loops (a native library that fails to load fails the build) and installs the jar
#      into the local Maven repository;
#   3. the consumer example (examples/consumer) runs in a fresh JVM against that jar, with
#      nothing else on its classpath, and must get the native loop;
#   4. on a machine that has a newer JDK (Temurin 25 under /usr/lib/jvm), a smoke run there.
# Usage: ./test.sh [extra Maven arguments, e.g. -Dtest=NioEventLoopTest]
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v mvn >/dev/null 2>&1 || ! command -v java >/dev/null 2>&1; then
  if [ "$(uname -s)" = Linux ] && command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends maven openjdk-17-jdk-headless
  elif [ "$(uname -s)" = Darwin ] && command -v brew >/dev/null 2>&1; then
    brew install maven openjdk@17
  else
    echo "test.sh: Java 17+ and Maven are needed; install them and run again" >&2
    exit 1
  fi
fi

./build-native.sh
mvn -B -ntp install -Devloop.requireNative=true "$@"
echo "==> Consumer example against the installed jar"
EVLOOP_REQUIRE_NATIVE=1 examples/consumer/run.sh --skip-install
newest_jdk="$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -n 1 || true)"
if [ -n "$newest_jdk" ]; then
  echo "==> Smoke run on $newest_jdk"
  scripts/smoke-jdk.sh "$newest_jdk" --skip-install
fi
