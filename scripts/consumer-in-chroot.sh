#!/usr/bin/env bash
# Runs the consumer example against an evloop jar on another Debian release than the host's,
# to find out whether the jar's native code loads with that release's glibc. Maven, the
# build and redis-server stay on the host (examples/consumer/run.sh does all of it); only
# the consumer's JVM runs in the chroot, which has a JDK and nothing else: no libuv, no
# hiredis, no Maven, no redis-server. Linux, as root.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/consumer-in-chroot.sh [--jdk PACKAGE] SUITE JAR

  1. Makes sure the chroot SUITE-jre exists with a Java runtime in it
     (scripts/debian-chroot.sh ensure SUITE-jre PACKAGE), a chroot of its own so that
     what other uses install into a chroot of SUITE never gets in. The runtime is
       bullseye, bookworm: openjdk-17-jre-headless
       trixie:             openjdk-21-jre-headless (trixie has no Java 17)
       other suites:       default-jre-headless
     unless --jdk names another package.
  2. Prints the chroot's glibc and Java versions, and fails if the chroot has a libuv or
     a hiredis of its own (then the jar's copies would not be what is tried).
  3. Runs 'EVLOOP_REQUIRE_NATIVE=1 examples/consumer/run.sh --jar JAR --jvm-wrapper ...':
     JAR is installed into the local Maven repository as io.evloop:evloop, the consumer is
     built and its classpath resolved on the host, redis-server is started on a free port
     of the host's 127.0.0.1, and the consumer's JVM runs in the chroot (which shares the
     host's network), with the consumer's classes and the classpath's jars bind-mounted,
     read-only, at their host paths.

Passes when the consumer printed 'RESULT: ok' and used the native (libuv) event loop;
fails otherwise, naming the glibc version the jar's native code asked for if that is why
it did not load.

Environment:
  EVLOOP_CONSUMER_TIMEOUT  seconds allowed for step 3 (default 900); the build, the JVM and
                           redis-server are stopped when it runs out.
  Those of scripts/debian-chroot.sh (EVLOOP_CHROOT_CACHE, ...).
EOF
}

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
CHROOT="$HERE/debian-chroot.sh"

say() { echo "consumer-in-chroot.sh: $*"; }
die() { echo "consumer-in-chroot.sh: FAILED: $*" >&2; exit 1; }

# The JVM wrapper examples/consumer/run.sh calls (through a small script in a temporary
# folder): 'consumer-in-chroot.sh --jvm-in CHROOT JAVA ARG...' runs JAVA ARG... in the
# chroot, with every -cp entry bind-mounted at its own path.
if [ "${1:-}" = --jvm-in ]; then
  [ $# -ge 3 ] || die "--jvm-in CHROOT JAVA ARG..."
  chroot_name="$2"
  shift 2
  binds=()
  seen=" "
  args=("$@")
  for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[$i]}" in -cp|-classpath|--class-path) ;; *) continue ;; esac
    IFS=: read -r -a entries <<<"${args[$((i + 1))]:-}"
    for entry in "${entries[@]}"; do
      [ -e "$entry" ] || continue
      # A folder as it is; a jar through its folder, so that the chroot only ever gets
      # empty folders as mount points, never empty files where jars are expected.
      [ -d "$entry" ] || entry="$(dirname "$entry")"
      entry="$(readlink -f "$entry")"
      case "$seen" in *" $entry "*) continue ;; esac
      seen+="$entry "
      binds+=(--ro-bind "$entry")
    done
  done
  exec "$CHROOT" run "$chroot_name" ${binds[@]+"${binds[@]}"} --cwd / -- "$@"
fi

JDK=""
while [ $# -gt 0 ]; do
  case "$1" in
    --jdk) [ $# -ge 2 ] || { usage >&2; exit 2; }; JDK="$2"; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "consumer-in-chroot.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    *) break ;;
  esac
  shift
done
[ $# -eq 2 ] || { usage >&2; exit 2; }
SUITE="$1"
JAR="$2"
[ -f "$JAR" ] || die "no jar $JAR"
JAR="$(readlink -f "$JAR")"
if [ -z "$JDK" ]; then
  case "$SUITE" in
    bullseye|bookworm) JDK=openjdk-17-jre-headless ;;
    trixie) JDK=openjdk-21-jre-headless ;;
    *) JDK=default-jre-headless ;;
  esac
fi

NAME="$SUITE-jre"
"$CHROOT" ensure "$NAME" "$JDK"

LDD="$("$CHROOT" run "$NAME" -- sh -c 'ldd --version | head -n 1')" || die "cannot run ldd in the $NAME chroot"
GLIBC="glibc ${LDD##* }"
JAVA_VERSION="$("$CHROOT" run "$NAME" -- sh -c 'java -version 2>&1 | head -n 1')" || die "cannot run java in the $NAME chroot"
say "Debian $SUITE chroot ($("$CHROOT" path "$NAME")): $GLIBC ($LDD)"
say "Debian $SUITE chroot: $JAVA_VERSION ($JDK)"
OWN_LIBS="$("$CHROOT" run "$NAME" -- sh -c 'ldconfig -p | grep -E "lib(uv|hiredis)[.]" || true')"
[ -z "$OWN_LIBS" ] || die "the $NAME chroot has its own libuv or hiredis, so the jar's copies would not be tried:
$OWN_LIBS"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/evloop-chroot-consumer.XXXXXX")"
RUN_PID=""
TAIL_PID=""
# run.sh stops its redis-server when it exits; its whole process group (run.sh, Maven, the
# JVM in the chroot, redis-server) is signalled here too, for the ways out it cannot see.
stop_run() {
  if [ -n "$RUN_PID" ] && kill -0 "$RUN_PID" 2>/dev/null; then
    kill -TERM -- "-$RUN_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$RUN_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$RUN_PID" 2>/dev/null || true
  fi
  wait "$RUN_PID" 2>/dev/null || true
  RUN_PID=""
}
cleanup() {
  stop_run
  [ -z "$TAIL_PID" ] || { kill "$TAIL_PID" 2>/dev/null || true; wait "$TAIL_PID" 2>/dev/null || true; }
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'say "interrupted: stopping the consumer and its redis-server"; exit 130' INT
trap 'say "terminated: stopping the consumer and its redis-server"; exit 143' TERM HUP

printf '#!/bin/sh\nexec "%s" --jvm-in "%s" "$@"\n' "$HERE/consumer-in-chroot.sh" "$NAME" >"$WORK/jvm-in-chroot"
chmod 755 "$WORK/jvm-in-chroot"

LIMIT="${EVLOOP_CONSUMER_TIMEOUT:-900}"
LOG="$WORK/run.log"
say "running examples/consumer/run.sh --jar $JAR with the JVM in the $NAME chroot (at most $LIMIT s)"
# timeout puts itself and everything below it in a process group of its own (whose id is
# its pid), and on time-out signals that whole group.
EVLOOP_REQUIRE_NATIVE=1 timeout -k 15 "$LIMIT" "$ROOT/examples/consumer/run.sh" --jar "$JAR" \
  --jvm-wrapper "$WORK/jvm-in-chroot" </dev/null >"$LOG" 2>&1 &
RUN_PID=$!
tail -n +1 -f --pid="$RUN_PID" "$LOG" &
TAIL_PID=$!
STATUS=0
wait "$RUN_PID" || STATUS=$?
RUN_PID=""
wait "$TAIL_PID" 2>/dev/null || true
TAIL_PID=""

if [ "$STATUS" -eq 124 ]; then
  die "the consumer run took longer than $LIMIT s and was stopped (EVLOOP_CONSUMER_TIMEOUT raises the limit)"
fi
if [ "$STATUS" -ne 0 ]; then
  needed="$(grep -o "GLIBC_[0-9.]*[0-9]' not found" "$LOG" | sort -u -V | tail -n 1 | cut -d"'" -f1)" || true
  if [ -n "$needed" ]; then
    die "on Debian $SUITE ($GLIBC) the jar's native code did not load: it asks for $needed (the first version the loader found missing), newer than this glibc"
  fi
  die "the consumer did not pass on Debian $SUITE ($GLIBC): see run.sh's message above"
fi
say "ok: native loop and 'RESULT: ok' on Debian $SUITE ($GLIBC, $JAVA_VERSION)"
