#!/usr/bin/env bash
# Runs the consumer example the way an application would use evloop: installs the artifact
# into the local Maven repository, builds examples/consumer against it, and runs it in a
# fresh JVM whose classpath is the consumer's classes and its Maven dependencies, nothing
# else. Starts its own redis-server on a free loopback port unless given --redis-uri.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: examples/consumer/run.sh [--skip-install | --jar FILE] [--java-home DIR] [--module-path]
                                [--jvm-wrapper PROGRAM] [--redis-uri URI] [-- JVM_ARG...]

  1. Installs io.evloop:evloop into the local Maven repository: 'mvn -q -DskipTests install'
     at the repository root (this builds the native shim for this machine, so libuv and
     hiredis development files are needed: ./build-native.sh installs them).
  2. Builds examples/consumer against that artifact and asks Maven for its runtime classpath.
  3. Starts 'redis-server --port <free> --save "" --bind 127.0.0.1' (needs redis-server on
     the PATH), runs the consumer in a fresh JVM, stops the server.

Options:
  --skip-install   Use the io.evloop:evloop already in the local repository (step 1 skipped).
  --jar FILE       Install FILE (e.g. the multi-platform jar of
                   scripts/assemble-multiplatform-jar.sh) as io.evloop:evloop with the root
                   pom instead of building one (step 1 replaced).
  --java-home DIR  Run the consumer's JVM from DIR/bin/java (Maven itself runs on JAVA_HOME
                   or the java on the PATH, as usual).
  --module-path    Put evloop and its dependencies on the module path (evloop as the
                   automatic module io.evloop), with --add-modules ALL-MODULE-PATH: JCTools
                   and ASM (jnr-ffi's) are explicit modules that no automatic module makes
                   the JVM resolve. The consumer's own classes stay on the classpath.
  --jvm-wrapper PROGRAM
                   Start the consumer's JVM as 'PROGRAM JAVA JVM_ARG... -cp CLASSPATH MAIN URI',
                   where JAVA is DIR/bin/java with --java-home, else plain 'java', and is not
                   looked for here: PROGRAM may run it elsewhere, e.g. in a chroot where it
                   must make the classpath's entries visible at the same paths
                   (scripts/consumer-in-chroot.sh does so).
  --redis-uri URI  Use this Redis server instead of starting one.
  -- JVM_ARG...    Everything after -- goes to the consumer's JVM, e.g.
                   -- --enable-native-access=ALL-UNNAMED -Devloop.native=false
  -h, --help       Print this help and exit.

Environment:
  EVLOOP_REQUIRE_NATIVE=1   Fail unless the consumer got the native (libuv) event loop.

Exit status: 0 when the consumer printed 'RESULT: ok' (and used the native loop if
required), non-zero otherwise.
EOF
}

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# shellcheck source=scripts/lib/common.sh
. "$ROOT/scripts/lib/common.sh"
INSTALL=build
JAR=""
RUN_JAVA_HOME=""
JVM_WRAPPER=""
REDIS_URI=""
JVM_ARGS=()
MODULE_PATH=no

while [ $# -gt 0 ]; do
  case "$1" in
    --skip-install) INSTALL=skip ;;
    --jar) [ $# -ge 2 ] || { usage >&2; exit 2; }; INSTALL=jar; JAR="$2"; shift ;;
    --java-home) [ $# -ge 2 ] || { usage >&2; exit 2; }; RUN_JAVA_HOME="$2"; shift ;;
    --module-path) MODULE_PATH=yes ;;
    --jvm-wrapper) [ $# -ge 2 ] || { usage >&2; exit 2; }; JVM_WRAPPER="$2"; shift ;;
    --redis-uri) [ $# -ge 2 ] || { usage >&2; exit 2; }; REDIS_URI="$2"; shift ;;
    --) shift; JVM_ARGS=("$@"); break ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

say() { echo "run.sh: $*"; }
die() { echo "run.sh: FAILED: $*" >&2; exit 1; }

MVN=(mvn -B -ntp -q)
VERSION="$(evloop_version "$ROOT")"
[ -n "$VERSION" ] || die "cannot read the version from $ROOT/pom.xml"

case "$INSTALL" in
  build)
    say "installing io.evloop:evloop:$VERSION (mvn -q -DskipTests install in $ROOT)"
    (cd "$ROOT" && "${MVN[@]}" -DskipTests install)
    ;;
  jar)
    [ -f "$JAR" ] || die "no file $JAR"
    say "installing $JAR as io.evloop:evloop:$VERSION"
    (cd "$ROOT" && "${MVN[@]}" org.apache.maven.plugins:maven-install-plugin:3.1.3:install-file \
        -Dfile="$(cd "$(dirname "$JAR")" && pwd)/$(basename "$JAR")" -DpomFile=pom.xml)
    ;;
  skip) say "using io.evloop:evloop:$VERSION from the local repository as it is" ;;
esac

say "building the consumer against io.evloop:evloop:$VERSION"
CLASSPATH_FILE="$HERE/target/runtime-classpath.txt"
rm -f "$CLASSPATH_FILE"
"${MVN[@]}" -f "$HERE/pom.xml" -Devloop.version="$VERSION" package \
    dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$CLASSPATH_FILE"
[ -s "$CLASSPATH_FILE" ] || die "Maven wrote no classpath to $CLASSPATH_FILE"
CP="$HERE/target/classes:$(cat "$CLASSPATH_FILE")"
PATH_ARGS=(-cp "$CP")
if [ "$MODULE_PATH" = yes ]; then
  PATH_ARGS=(--module-path "$(cat "$CLASSPATH_FILE")" --add-modules ALL-MODULE-PATH -cp "$HERE/target/classes")
fi

say "the consumer's classpath, in full:"
echo "$CP" | tr ':' '\n' | sed 's/^/    /'
echo "$CP" | tr ':' '\n' | grep -q "/io/evloop/evloop/$VERSION/evloop-" \
  || die "io.evloop:evloop does not come from the local Maven repository"

LAUNCH=()
if [ -n "$JVM_WRAPPER" ]; then
  [ -x "$JVM_WRAPPER" ] || die "--jvm-wrapper $JVM_WRAPPER is not an executable"
  LAUNCH=("$JVM_WRAPPER")
  # The wrapper's world decides what 'java' is; this host's JAVA_HOME means nothing there.
  JAVA="java"
  [ -z "$RUN_JAVA_HOME" ] || JAVA="$RUN_JAVA_HOME/bin/java"
else
  if [ -n "$RUN_JAVA_HOME" ]; then
    JAVA="$RUN_JAVA_HOME/bin/java"
  elif [ -n "${JAVA_HOME:-}" ]; then
    JAVA="$JAVA_HOME/bin/java"
  else
    JAVA="$(command -v java)" || die "no java on the PATH"
  fi
  [ -x "$JAVA" ] || die "$JAVA is not an executable"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/evloop-consumer.XXXXXX")"
REDIS_PID=""
cleanup() {
  if [ -n "$REDIS_PID" ]; then
    kill "$REDIS_PID" 2>/dev/null || true
    wait "$REDIS_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

start_redis() {
  command -v redis-server >/dev/null 2>&1 || die "redis-server is not on the PATH: install it
  (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis;
  or scripts/install-consumer-prereqs.sh), or pass --redis-uri"
  local port _try _tick
  for _try in 1 2 3 4 5 6 7 8 9 10; do
    # A random port; if it is taken, redis-server exits and the next try picks another.
    port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    redis-server --port "$port" --save '' --appendonly no --bind 127.0.0.1 --dir "$WORK" \
        >"$WORK/redis.log" 2>&1 &
    REDIS_PID=$!
    for _tick in $(seq 1 200); do
      if grep -q "Ready to accept connections" "$WORK/redis.log"; then
        REDIS_URI="redis://127.0.0.1:$port"
        say "redis-server (pid $REDIS_PID) listens on 127.0.0.1:$port"
        return 0
      fi
      kill -0 "$REDIS_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill "$REDIS_PID" 2>/dev/null || true
    wait "$REDIS_PID" 2>/dev/null || true
    REDIS_PID=""
  done
  cat "$WORK/redis.log" >&2
  die "redis-server did not start after 10 tries"
}

[ -n "$REDIS_URI" ] || start_redis

say "running: ${LAUNCH[*]+${LAUNCH[*]} }$JAVA ${JVM_ARGS[*]+${JVM_ARGS[*]}} ${PATH_ARGS[0]} <the $([ "$MODULE_PATH" = yes ] && echo 'module path' || echo classpath) above> ${PATH_ARGS[*]:2} io.evloop.examples.consumer.ConsumerExample $REDIS_URI"
set +e
env -u CLASSPATH ${LAUNCH[@]+"${LAUNCH[@]}"} "$JAVA" ${JVM_ARGS[@]+"${JVM_ARGS[@]}"} "${PATH_ARGS[@]}" \
    io.evloop.examples.consumer.ConsumerExample "$REDIS_URI" 2>&1 | tee "$WORK/consumer.log"
STATUS=${PIPESTATUS[0]}
set -e

[ "$STATUS" -eq 0 ] || die "the consumer exited with status $STATUS"
grep -q '^RESULT: ok$' "$WORK/consumer.log" || die "the consumer did not print 'RESULT: ok'"
if [ "${EVLOOP_REQUIRE_NATIVE:-0}" = 1 ]; then
  grep -q '^evloop implementation: native ' "$WORK/consumer.log" \
    || die "EVLOOP_REQUIRE_NATIVE=1 but the consumer did not get the native loop (see the 'native library:' line above)"
  say "the native loop was used, as EVLOOP_REQUIRE_NATIVE=1 requires"
fi
say "ok"
