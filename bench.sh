#!/usr/bin/env bash
# Runs evloop's benchmark suite and writes the report:
#   1. installs what is missing (through build-native.sh: libuv, hiredis, cmake, a C compiler,
#      redis-server and redis-benchmark; Java 17 and Maven if absent);
#   2. installs the evloop artifact into the local Maven repository (mvn -DskipTests install),
#      builds bench/ (Maven) and the C reference program bench/c/hiredis_uv_bench.c;
#   3. starts its own redis-server on a free loopback port, runs io.evloop.bench.BenchSuite
#      (Redis throughput/latency of every client, JMH post hand-off and micro benchmarks, the
#      DAG end to end, memory per in-flight command), and stops the server.
#
# Usage: ./bench.sh [--quick] [--check] [--sections redis,handoff,micro,dag,memory]
#                   [--clients evloop-native,evloop-java,lettuce,jedis,c-hiredis-libuv,redis-benchmark]
#                   [--reps N] [--no-build]
#   (no option)  the full run, under 20 minutes on 2 cores: writes BENCHMARKS.md at the root,
#                its charts and results.json/CSV in bench/results/full/
#   --quick      a smoke run, under 3 minutes: everything in bench/results/quick/ (its own
#                BENCHMARKS.md there; the root one is left alone)
#   --check      exit non-zero unless every client ran and produced figures (never judges speed);
#                bench/smoke.sh runs --quick --check for CI
#   --no-build   reuse the artifacts of an earlier build
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"

quick=0
check=0
build=1
suite_args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=1 ;;
    --check) check=1 ;;
    --no-build) build=0 ;;
    --sections|--clients|--reps)
      [[ $# -ge 2 ]] || { echo "bench.sh: $1 needs a value" >&2; exit 2; }
      suite_args+=("$1" "$2"); shift ;;
    -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

log() { printf '==> %s\n' "$*"; }
started=$(date +%s)

# ---- what the run needs --------------------------------------------------------------------
. scripts/ensure-java-maven.sh
have_headers() { [ -f /usr/include/hiredis/adapters/libuv.h ] || [ -f "$(brew --prefix 2>/dev/null)/include/hiredis/adapters/libuv.h" ]; }
if [ "$build" = 1 ] && { ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-benchmark >/dev/null 2>&1 \
     || ! command -v cc >/dev/null 2>&1 || ! have_headers; }; then
  log "Installing the native toolchain, libuv, hiredis and redis (build-native.sh)"
  ./build-native.sh --skip-tests
fi
if ! command -v redis-benchmark >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get install -y -q --no-install-recommends redis-tools
fi
# The charts need a font; a headless JDK finds none without fontconfig and a font package.
if [ "$(uname -s)" = Linux ] && ! { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list 2>/dev/null | head -1)" ]; } \
   && command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get install -y -q --no-install-recommends fontconfig fonts-dejavu-core || \
    echo "bench.sh: no fonts could be installed; the report will lack its charts" >&2
fi

# ---- build ---------------------------------------------------------------------------------
if [ "$build" = 1 ]; then
  log "Installing the evloop artifact (mvn -DskipTests install)"
  mvn -B -q -ntp -DskipTests install
  log "Building bench/"
  mvn -B -q -ntp -f bench/pom.xml package
  log "Building the C reference program"
  mkdir -p bench/target
  cflags="$(pkg-config --cflags hiredis libuv 2>/dev/null || true)"
  libs="$(pkg-config --libs hiredis libuv 2>/dev/null || echo "-lhiredis -luv")"
  # shellcheck disable=SC2086 # word splitting of the flags is intended
  cc -O2 -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra $cflags -o bench/target/hiredis_uv_bench \
    bench/c/hiredis_uv_bench.c $libs
fi
[ -x bench/target/hiredis_uv_bench ] && [ -f bench/target/classpath.txt ] || {
  echo "bench.sh: bench/ is not built; run without --no-build" >&2; exit 1; }

# ---- the server ----------------------------------------------------------------------------
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=""
for _ in $(seq 1 50); do
  candidate=$(( 20000 + RANDOM % 30000 ))
  if ! port_in_use "$candidate"; then port=$candidate; break; fi
done
[ -n "$port" ] || { echo "bench.sh: no free port found" >&2; exit 1; }
server_dir="$(mktemp -d "${TMPDIR:-/tmp}/evloop-bench-redis.XXXXXX")"
redis-server --port "$port" --save '' --bind 127.0.0.1 --appendonly no --dir "$server_dir" \
  --daemonize no --loglevel warning >"$server_dir/redis.log" 2>&1 &
server_pid=$!
stop_server() {
  if kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$server_dir"
}
trap stop_server EXIT
for _ in $(seq 1 100); do
  if redis-cli -p "$port" ping >/dev/null 2>&1; then break; fi
  kill -0 "$server_pid" 2>/dev/null || { echo "bench.sh: redis-server did not start:" >&2; cat "$server_dir/redis.log" >&2; exit 1; }
  sleep 0.1
done
log "redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') on port $port (pid $server_pid)"

# ---- run -----------------------------------------------------------------------------------
if [ "$quick" = 1 ]; then
  out="bench/results/quick"
  markdown="$out/BENCHMARKS.md"
else
  out="bench/results/full"
  markdown="BENCHMARKS.md"
fi
rm -rf "$out"
mkdir -p "$out"
command_text="./bench.sh"
[ "$quick" = 1 ] && command_text+=" --quick"
[ "$check" = 1 ] && command_text+=" --check"
[ ${#suite_args[@]} -gt 0 ] && command_text+=" ${suite_args[*]}"
flags=()
[ "$quick" = 1 ] && flags+=(--quick)
[ "$check" = 1 ] && flags+=(--check)
git_rev="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git status --porcelain -- src native pom.xml 2>/dev/null | head -1)" ]; then
  git_rev+=" (with uncommitted changes in src/, native/ or pom.xml)"
fi

log "Running the suite ($([ "$quick" = 1 ] && echo quick || echo full))"
set +e
java -Xms512m -Xmx1g -Djava.awt.headless=true -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
  io.evloop.bench.BenchSuite --port "$port" --server-pid "$server_pid" --out "$out" \
  --c-bench bench/target/hiredis_uv_bench --markdown "$markdown" --charts "$out/charts" \
  --command "$command_text" --git-rev "$git_rev" ${flags[@]+"${flags[@]}"} ${suite_args[@]+"${suite_args[@]}"}
rc=$?
set -e
log "bench.sh finished in $(( $(date +%s) - started )) s (exit $rc): report $markdown"
exit $rc
