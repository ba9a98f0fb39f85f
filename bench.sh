#!/usr/bin/env bash
# Runs evloop's benchmark suite and writes the report:
#   1. installs what is missing (through build-native.sh: cmake, make, a C compiler, curl,
#      redis-server, redis-benchmark and openssl; Java 17 and Maven if absent);
#   2. installs the evloop artifact into the local Maven repository (mvn -DskipTests install),
#      builds bench/ (Maven) and the C reference program bench/c/hiredis_uv_bench.c, linked
#      (on Linux) against the same static libuv and hiredis as libevloop (the archives CMake's
#      configure had scripts/deps-from-debian.sh build into its cache folder);
#   3. starts its own redis-server on a free loopback port, runs io.evloop.bench.BenchSuite
#      (GET throughput and CPU per GET of every client in three usage patterns: in-loop, 1 and
#      4 foreign producer threads; JMH post hand-off and micro benchmarks, the DAG end to
#      end, memory per in-flight command; each loop with stall detection on and off; GETs
#      over TLS against plain TCP, on a second redis-server with a TLS port that the suite
#      starts and stops itself, with throwaway certificates made by openssl; RESP3 against
#      RESP2 for GET and HGETALL), and stops the server.
#
# Usage: ./bench.sh [--quick] [--check] [--sections redis,handoff,micro,dag,memory,overhead,tls,resp3]
#                   [--clients evloop-native,evloop-java,lettuce,jedis,c-hiredis-libuv,redis-benchmark]
#                   [--patterns in-loop,producers-1,producers-4] [--reps N] [--markdown FILE] [--no-build]
#   (no option)  the full run (N = 16, 256, 1000, 4000, 16000 in flight, 3 repetitions), about
#                30 minutes on 2 cores: the report, its charts and results.json/CSV in
#                bench/results/full/ (in bench/results/partial/ when --sections, --clients,
#                --patterns or --reps limit it)
#   --quick      a smoke run (N = 1000, 2 repetitions), under 4 minutes: bench/results/quick/
#   --sections   the parts to run, of: redis (GETs/s and CPU per GET of every client), handoff
#                and micro (JMH), dag, memory, overhead (the cost of stall detection: each
#                loop at N = 1000 with it on and off, in-loop and producers-1), tls (TLS
#                against plain TCP at N = 1 and 1000 on every loop that speaks TLS), resp3
#                (RESP3 against RESP2 on each loop, GET of 100 bytes and HGETALL of a 10-field
#                hash, in-loop at N = 1 and 1000 and producers-1 at N = 1000)
#   --check      exit non-zero unless every client ran and produced figures (never judges speed);
#                bench/smoke.sh runs --quick --check for CI
#   --markdown FILE  write the report to FILE instead of bench/results/<mode>/BENCHMARKS.md
#                (e.g. --markdown BENCHMARKS.md after a full run to refresh the root one)
#   --no-build   reuse the artifacts of an earlier build
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"

quick=0
check=0
build=1
markdown_arg=""
suite_args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=1 ;;
    --check) check=1 ;;
    --no-build) build=0 ;;
    --markdown)
      [[ $# -ge 2 ]] || { echo "bench.sh: $1 needs a value" >&2; exit 2; }
      markdown_arg="$2"; shift ;;
    --sections|--clients|--patterns|--reps)
      [[ $# -ge 2 ]] || { echo "bench.sh: $1 needs a value" >&2; exit 2; }
      suite_args+=("$1" "$2"); shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

log() { printf '==> %s\n' "$*"; }
started=$(date +%s)

# ---- what the run needs --------------------------------------------------------------------
# shellcheck source=scripts/lib/common.sh
. scripts/lib/common.sh
. scripts/ensure-java-maven.sh
os="$(evloop_os || true)"
c_compiler="${CC:-cc}"
if [ "$os" = darwin ]; then
  # Homebrew's libuv and hiredis, as libevloop links them there.
  have_c_deps() { [ -f "$(brew --prefix 2>/dev/null)/include/hiredis/adapters/libuv.h" ]; }
else
  # scripts/deps-from-debian.sh builds libuv and hiredis itself: it needs make, cmake and a downloader.
  have_c_deps() { command -v make >/dev/null 2>&1 && command -v cmake >/dev/null 2>&1 \
    && { command -v curl >/dev/null 2>&1 || command -v wget >/dev/null 2>&1; }; }
fi
if [ "$build" = 1 ] && { ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-benchmark >/dev/null 2>&1 \
     || ! command -v "$c_compiler" >/dev/null 2>&1 || ! have_c_deps; }; then
  log "Installing the native toolchain and redis (build-native.sh)"
  ./build-native.sh --skip-tests
fi
if command -v apt-get >/dev/null 2>&1; then
  # openssl makes the tls section's certificates (the test kit's TlsCertificates runs it).
  evloop_apt_install redis-tools:redis-benchmark openssl:openssl || exit
fi
# The charts need a font; a headless JDK finds none without fontconfig and a font package.
if [ "$os" = linux ] && ! { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list 2>/dev/null | head -1)" ]; } \
   && command -v apt-get >/dev/null 2>&1; then
  evloop_apt_install fontconfig fonts-dejavu-core || \
    echo "bench.sh: no fonts could be installed; the report will lack its charts" >&2
fi

# The folder libevloop's static libuv and hiredis were built into: CMake's configure of the
# Maven build (target/native) records it, so the C program links the very archives libevloop
# holds, with no second rule for naming that folder.
evl_deps_prefix() {
  local dir
  dir="$(sed -n 's/^EVL_DEPS_DIR:PATH=//p' "$root/target/native/CMakeCache.txt" 2>/dev/null)"
  if [ -z "$dir" ] || [ ! -f "$dir/lib/libuv.a" ] || [ ! -f "$dir/lib/libhiredis.a" ]; then
    echo "bench.sh: no static libuv and hiredis recorded in target/native/CMakeCache.txt: run without --no-build" >&2
    return 1
  fi
  printf '%s\n' "$dir"
}

# ---- build ---------------------------------------------------------------------------------
if [ "$build" = 1 ]; then
  log "Installing the evloop artifact (mvn -DskipTests install)"
  mvn -B -q -ntp -DskipTests install
  log "Building bench/"
  mvn -B -q -ntp -f bench/pom.xml package
  log "Building the C reference program"
  mkdir -p bench/target
  c_flags=(-O2 -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra)
  if [ "$os" = darwin ]; then
    cflags="$(pkg-config --cflags hiredis libuv 2>/dev/null || true)"
    libs="$(pkg-config --libs hiredis libuv 2>/dev/null || echo "-lhiredis -luv")"
    # shellcheck disable=SC2086 # word splitting of the flags is intended
    "$c_compiler" "${c_flags[@]}" $cflags -o bench/target/hiredis_uv_bench bench/c/hiredis_uv_bench.c $libs
  else
    deps="$(evl_deps_prefix)"
    # libuv's archive needs pthread, dl and rt besides libc (its pkg-config Libs.private).
    "$c_compiler" "${c_flags[@]}" -I"$deps/include" -o bench/target/hiredis_uv_bench bench/c/hiredis_uv_bench.c \
      "$deps/lib/libhiredis.a" "$deps/lib/libuv.a" -lpthread -ldl -lrt
  fi
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
# A full run limited to some sections, clients, patterns or repetitions goes to partial/, so
# that only a complete full run replaces the committed results in full/.
if [ "$quick" = 1 ]; then
  out="bench/results/quick"
elif [ ${#suite_args[@]} -gt 0 ]; then
  out="bench/results/partial"
else
  out="bench/results/full"
fi
markdown="${markdown_arg:-$out/BENCHMARKS.md}"
rm -rf "$out"
mkdir -p "$out"
command_text="./bench.sh"
[ "$quick" = 1 ] && command_text+=" --quick"
[ "$check" = 1 ] && command_text+=" --check"
[ ${#suite_args[@]} -gt 0 ] && command_text+=" ${suite_args[*]}"
[ -n "$markdown_arg" ] && command_text+=" --markdown $markdown_arg"
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
