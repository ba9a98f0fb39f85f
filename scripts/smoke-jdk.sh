#!/usr/bin/env bash
# Smoke test of evloop on another JDK (e.g. the newest one on the machine): does jnr-ffi load
# and run the native loop there, and which JVM warnings does a user see?
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/smoke-jdk.sh JAVA_HOME [--skip-install]

Runs evloop on the JDK in JAVA_HOME; Maven itself keeps running on the default JDK, and
the jar stays built for Java 17 (what users get from the repository):
  1. The consumer example (examples/consumer/run.sh --java-home JAVA_HOME), as a user runs it:
       a. plain, no flags: the native loop if it loads;
       b. plain with -Devloop.native=false: the Java loop, for the Redis and DAG path alone;
       c. when (a) printed JVM warnings, again with the flags that silence them
          (--enable-native-access=ALL-UNNAMED, and --sun-misc-unsafe-memory-access=allow on
          JDK 23 and later), to check that those are all it takes.
  2. A focused part of the test suite with that JDK running the tests (Surefire's -Djvm):
     NativeEventLoopTest (jnr-ffi calls and upcalls of the native loop),
     NativeLibraryLoaderTest (loading, extraction and fallback, in child JVMs of that JDK) and
     the DAG suites, whose coroutine IO nodes (virtual threads) run only on Java 21 and later.
Prints every "WARNING:" line each run printed and a summary; exits 1 if any part failed.

  --skip-install   Use the io.evloop:evloop already in the local Maven repository instead of
                   installing it first ('mvn -q -DskipTests install').
Needs redis-server on the PATH (the consumer starts its own).
EOF
}

case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  "") usage >&2; exit 2 ;;
esac
JDK="$(cd "$1" && pwd)"
shift
INSTALL=1
case "${1:-}" in
  --skip-install) INSTALL=0 ;;
  "") ;;
  *) usage >&2; exit 2 ;;
esac
[ -x "$JDK/bin/java" ] || { echo "smoke-jdk.sh: no $JDK/bin/java" >&2; exit 2; }

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/evloop-smoke-jdk.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

FEATURE="$("$JDK/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
echo "==> JDK under test: $JDK (Java $FEATURE)"
"$JDK/bin/java" -version 2>&1 | sed 's/^/    /'

SUMMARY=()
FAILED=0
record() { SUMMARY+=("$(printf '%-44s %s' "$1" "$2")"); case "$2" in ok*) ;; *) FAILED=1 ;; esac; }

# Prints the JVM's warning lines of a log, de-duplicated, or "(none)".
warnings_of() {
  local found
  found="$(grep '^WARNING: ' "$1" | awk '!seen[$0]++' || true)"
  if [ -n "$found" ]; then printf '%s\n' "$found" | sed 's/^/    /'; else echo "    (none)"; fi
}

# consumer NAME LABEL [JVM_ARG...]: runs the consumer, reports it, keeps its log as consumer-NAME.log.
consumer() {
  local name="$1" label="$2"; shift 2
  local log="$WORK/consumer-$name.log"
  local install_flag=--skip-install
  if [ "$INSTALL" -eq 1 ]; then install_flag=""; INSTALL=0; fi
  echo
  echo "==> Consumer ($label): examples/consumer/run.sh ${install_flag:+$install_flag }--java-home $JDK${*:+ -- $*}"
  local status=0
  if [ $# -gt 0 ]; then
    "$ROOT/examples/consumer/run.sh" ${install_flag:+"$install_flag"} --java-home "$JDK" -- "$@" >"$log" 2>&1 || status=$?
  else
    "$ROOT/examples/consumer/run.sh" ${install_flag:+"$install_flag"} --java-home "$JDK" >"$log" 2>&1 || status=$?
  fi
  local impl
  impl="$(sed -n 's/^evloop implementation: \([a-z]*\).*/\1/p' "$log" | head -n 1)"
  sed -n -e '/^evloop implementation: /p' -e '/^native library: /p' -e '/^RESULT: /p' "$log" | sed 's/^/    /'
  echo "    JVM warnings:"
  warnings_of "$log"
  if [ "$status" -eq 0 ]; then
    record "consumer ($label)" "ok, ${impl:-?} loop, $(grep -c '^WARNING: ' "$log" || true) warning line(s)"
  else
    echo "    FAILED (status $status); the end of its output:"
    tail -n 25 "$log" | sed 's/^/    | /'
    record "consumer ($label)" "FAILED on the ${impl:-?} loop: $(sed -n 's/^RESULT: FAILED: //p' "$log" | head -n 1 | cut -c1-160)"
  fi
}

# ---- 1. the consumer ------------------------------------------------------------------
consumer plain "plain"
PLAIN_WARNINGS="$(grep -c '^WARNING: ' "$WORK/consumer-plain.log" || true)"
consumer java-loop "-Devloop.native=false" -Devloop.native=false

QUIET_FLAGS=()
if grep -q 'restricted method' "$WORK/consumer-plain.log"; then
  QUIET_FLAGS+=(--enable-native-access=ALL-UNNAMED)
fi
if grep -q 'sun.misc.Unsafe' "$WORK/consumer-plain.log" && [ "${FEATURE%%.*}" -ge 23 ]; then
  QUIET_FLAGS+=(--sun-misc-unsafe-memory-access=allow)
fi
if [ "$PLAIN_WARNINGS" -gt 0 ] && [ ${#QUIET_FLAGS[@]} -gt 0 ]; then
  consumer quiet "${QUIET_FLAGS[*]}" "${QUIET_FLAGS[@]}"
fi

# ---- 2. focused tests -----------------------------------------------------------------
TESTS="NativeEventLoopTest,NativeLibraryLoaderTest,*Dag*Test"
echo
echo "==> Tests on Java $FEATURE: mvn test -Dtest=$TESTS -Djvm=$JDK/bin/java"
status=0
(cd "$ROOT" && mvn -B -ntp test -Dtest="$TESTS" -Dsurefire.failIfNoSpecifiedTests=false -Djvm="$JDK/bin/java") \
  >"$WORK/tests.log" 2>&1 || status=$?
grep -E '^\[(INFO|WARNING|ERROR)\] (Tests run:|Tests run|FAIL)' "$WORK/tests.log" | sed 's/^/    /' || true
REPORTS="$ROOT/target/surefire-reports"
forked_java="$(grep -h -o '<property name="java.version" value="[^"]*"' "$REPORTS"/TEST-io.evloop.internal.nativeloop.NativeEventLoopTest.xml "$REPORTS"/TEST-io.evloop.internal.nativeloop.NativeLibraryLoaderTest.xml 2>/dev/null | sort -u | sed 's/.*value="//; s/"$//' | tr '\n' ' ')"
echo "    tests ran on Java: ${forked_java:-unknown}"
# The forked JVM's own warnings reach Maven's console (its stderr), not the report files.
echo "    JVM warnings of the test JVM:"
warnings_of "$WORK/tests.log"
if [ "$status" -eq 0 ]; then
  record "tests $TESTS" "ok on Java ${forked_java:-?}"
else
  tail -n 40 "$WORK/tests.log" | sed 's/^/    | /'
  record "tests $TESTS" "FAILED (mvn status $status)"
fi

echo
echo "==> Summary for $JDK (Java $FEATURE)"
printf '    %s\n' "${SUMMARY[@]}"
if [ ${#QUIET_FLAGS[@]} -gt 0 ]; then
  echo "    flags that silence the JVM's warnings here: ${QUIET_FLAGS[*]}"
fi
exit "$FAILED"
