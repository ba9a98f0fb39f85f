#!/usr/bin/env bash
# Runs the evloop demo on a fresh Debian/Ubuntu or macOS machine: installs what is missing
# (through build-native.sh), builds and installs the library with the native shim inside,
# builds the demo project (examples/demo) against it, starts its own redis-server on a free
# port, and runs the recommendation DAG in each IO mode (threadpool baseline, eventloop on
# the native loop, eventloop on the Java loop), ending with a table. Arguments go to the
# demo; ./demo.sh --help lists them, e.g.
#   ./demo.sh --rtt 1ms            # through a latency proxy simulating a 1 ms round trip
set -euo pipefail
cd "$(dirname "$0")"

if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
  NO_BUILD_HELP=1
fi

. scripts/ensure-java-maven.sh

if [ -z "${NO_BUILD_HELP:-}" ]; then
  ./build-native.sh --skip-tests
fi
echo "==> Building and installing the library (no tests)"
mvn -B -q -ntp install -DskipTests
echo "==> Building the demo (examples/demo)"
mvn -B -q -ntp -f examples/demo/pom.xml package -DskipTests
mvn -B -q -ntp -f examples/demo/pom.xml dependency:build-classpath -Dmdep.outputFile="$PWD/examples/demo/target/classpath.txt"
echo "==> Running the demo"
exec java -cp "examples/demo/target/classes:$(cat examples/demo/target/classpath.txt)" io.evloop.demo.Demo "$@"
