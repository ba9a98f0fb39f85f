#!/usr/bin/env bash
# Builds the shim's libFuzzer targets (native/fuzz, with AddressSanitizer and
# UndefinedBehaviorSanitizer) and runs each for a bounded time from its committed seed corpus.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/fuzz-native.sh [SECONDS]

  1. Installs clang and its sanitizer and libFuzzer runtimes when missing (Debian/Ubuntu:
     apt-get install clang libclang-rt-<its major version>-dev, as root or through sudo).
  2. Configures native/ with CC=clang -DEVL_FUZZ=ON in build/native-fuzz and builds the
     fuzz-* targets (the static libuv and hiredis as the library uses them).
  3. Runs each target for SECONDS (default 60) on a copy of native/fuzz/corpus/<name>/ (new
     inputs it finds stay in the copy, not in the repository), with -timeout=10 per input.
     A crash, a sanitizer report, a failed check or a slow input fails the script; the input
     that did it is left in build/native-fuzz/findings/ and named in the output.
Linux only (libFuzzer on macOS needs a Clang that Apple does not ship).
USAGE
}

case "${1:-}" in -h|--help) usage; exit 0 ;; esac
SECONDS_PER_TARGET="${1:-60}"
[[ "$SECONDS_PER_TARGET" =~ ^[1-9][0-9]*$ ]] || { usage >&2; exit 2; }
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/lib/common.sh
. "$ROOT/scripts/lib/common.sh"
[ "$(evloop_os || true)" = linux ] || { echo "fuzz-native.sh: Linux only" >&2; exit 2; }
BUILD="$ROOT/build/native-fuzz"

# libFuzzer and the sanitizer runtimes: a program that links them proves they are there.
have_fuzzer() {
  command -v clang >/dev/null 2>&1 && echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }' \
    | clang -x c -fsanitize=fuzzer,address,undefined -o /dev/null - >/dev/null 2>&1
}
# The runtimes' package is versioned like clang (libclang-rt-14-dev for clang 14), so its
# name is read from the candidate clang of the updated lists.
clang_rt_package() {
  local major
  major="$(apt-cache policy clang | sed -n 's/^ *Candidate: *[0-9]*:\{0,1\}\([0-9]*\).*/\1/p')"
  [ -n "$major" ] || { echo "fuzz-native.sh: apt has no clang" >&2; return 1; }
  echo "libclang-rt-$major-dev"
}
if ! have_fuzzer; then
  command -v apt-get >/dev/null 2>&1 || { echo "fuzz-native.sh: install clang with libFuzzer and run again" >&2; exit 1; }
  echo "==> Installing clang and its libFuzzer and sanitizer runtimes"
  evloop_apt_install clang @clang_rt_package || exit
  have_fuzzer || { echo "fuzz-native.sh: clang still cannot link a fuzz target" >&2; exit 1; }
fi

echo "==> Building the fuzz targets in $BUILD"
CC=clang cmake -S "$ROOT/native" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEVL_FUZZ=ON >/dev/null
cmake --build "$BUILD" --parallel "$(evloop_jobs)" --target $(cd "$ROOT/native/fuzz" && ls fuzz-*.c | sed 's/\.c$//')

mkdir -p "$BUILD/findings"
status=0
for source in "$ROOT"/native/fuzz/fuzz-*.c; do
  target="$(basename "$source" .c)"
  name="${target#fuzz-}"
  corpus="$BUILD/corpus-$name"
  rm -rf "$corpus"
  mkdir -p "$corpus"
  cp "$ROOT/native/fuzz/corpus/$name"/* "$corpus"/
  echo "==> $target for ${SECONDS_PER_TARGET} s, from $(ls "$corpus" | wc -l) seeds"
  # UBSan stops at the first report; LeakSanitizer runs at exit (libFuzzer's -detect_leaks).
  if ! UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "$BUILD/$target" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$BUILD/findings/$name-" "$corpus" 2>&1 | tail -n 40; then
    status=1
  fi
  if [ "${PIPESTATUS[0]}" != 0 ]; then status=1; fi
done
if [ "$status" -ne 0 ]; then
  echo "fuzz-native.sh: a target failed; its input is in $BUILD/findings/" >&2
  exit 1
fi
echo "==> Fuzzing found nothing"
