#!/usr/bin/env bash
# build-native.sh: builds libevloop (the C shim in native/) and runs its C tests.
# Run with --help for what it does.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: build-native.sh [--no-install] [--skip-tests] [--system-deps] [--output DIR] [--help]

Builds the native part of evloop, the shim library libevloop.so (Linux) or
libevloop.dylib (macOS), and its TLS layer libevloop-tls<N> (N: 3 for OpenSSL 3, 11 for
OpenSSL 1.1, whichever the system's development files are), from native/ with CMake, and
tests them.

libevloop is one self-contained file: libuv and hiredis are linked in statically and
hidden, so it needs nothing but the C library. libevloop-tls<N> links the system's shared
OpenSSL (libssl, libcrypto) and nothing else; the native loop loads it only for TLS
connections. Without OpenSSL's development files it is not built (CMake says so), and the
native loop refuses TLS. On Linux libuv and hiredis are built from the upstream
tarballs of pinned Debian source packages (libuv 1.50.0, hiredis 1.2.0; checksummed) by
scripts/deps-from-debian.sh, which CMake runs at configure time; the archives are cached
in ~/.cache/evloop/deps (EVL_DEPS_CACHE moves it), so only the first build fetches them.
On macOS Homebrew's static archives are linked.

Without options it does everything, in this order:
  1. Installs the system packages that are missing:
       Debian/Ubuntu: cmake gcc libc6-dev make pkg-config curl redis-server libssl-dev
                      openssl, with
                      'apt-get update' then 'apt-get install -y --no-install-recommends'
                      of the missing ones only (checked with dpkg-query); with
                      --system-deps also libuv1-dev libhiredis-dev. Runs apt-get as root,
                      through sudo when not root; without sudo it prints the command to
                      run and exits with status 1.
       macOS:         libuv hiredis redis cmake pkg-config openssl@3 with Homebrew
                      ('brew install' of the missing ones only).
     redis-server is not needed to build; the Redis tests (C and Java) use it, and the
     TLS tests the openssl command too (to make their certificates).
  2. Builds the release library in build/native (CMake build type Release).
  3. Checks the libraries (scripts/inspect-native.sh): libevloop's exported symbols (nm -D
     --defined-only on Linux, nm -gU on macOS, printed in full) must be exactly the
     EVL_EXPORT functions of native/include/evloop.h, and (unless --system-deps) it may
     need only the C library: Linux: NEEDED within libc, libm, libpthread, libdl, librt and
     the dynamic loader; macOS: nothing outside /usr/lib and /System. libevloop-tls<N>
     must export exactly the EVL_TLS_EXPORT functions of native/include/evloop-tls.h and
     need only the C library and OpenSSL N. Anything else fails.
  4. Runs the C tests there with ctest.
  5. Builds the library and the tests again with AddressSanitizer and
     UndefinedBehaviorSanitizer (-DEVL_SANITIZE=ON, warnings as errors) in
     build/native-asan and runs the tests there with
       ASAN_OPTIONS=detect_leaks=1 (Linux only: LeakSanitizer does not run on macOS)
       LSAN_OPTIONS=suppressions=<repo>/native/test/lsan.supp:print_suppressions=0
       UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
     lsan.supp suppresses exactly one deliberate leak (a loop destroyed while it runs
     is abandoned); any other leak fails the tests.

Options:
  --no-install   Do not install or check system packages (step 1). The build fails
                 with CMake's message if something is missing.
  --skip-tests   Build only the release library and check it (steps 2, 3): no tests,
                 no sanitizer build.
  --system-deps  Link the system's shared libuv (>= 1.44) and hiredis (>= 1.0) instead
                 (CMake option EVL_SYSTEM_DEPS=ON), as distribution packages would; the
                 build folders are then build/native-system and build/native-system-asan.
                 Debian 12's hiredis is 0.14, which evloop does not support: use
                 Debian 13 or later.
  --output DIR   Have the release build copy its libraries to
                 DIR/META-INF/native/<os>-<arch>/ (CMake's EVL_RESOURCES_DIR), where <os>
                 is linux or darwin and <arch> is x86_64 or aarch64, e.g.
                 DIR/META-INF/native/linux-x86_64/libevloop.so and libevloop-tls3.so, the
                 folder's only files (anything else there is removed). Without --output
                 the release build copies nothing.
  -h, --help     Print this help and exit.

Re-running is incremental: CMake reuses the build directories and rebuilds only what
changed. Delete build/native and build/native-asan to start over.

Environment: the usual CMake variables apply, e.g. CC to pick the compiler; with
--system-deps also CMAKE_PREFIX_PATH, Libuv_ROOT or Hiredis_ROOT to point at other
installations. EVL_DEPS_CACHE: where the static libuv and hiredis are cached.
EOF
}

log() { printf '==> %s\n' "$*"; }
die() { printf 'build-native.sh: %s\n' "$*" >&2; exit 1; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib/common.sh
. "$root/scripts/lib/common.sh"
install=1
tests=1
system_deps=0
output=""

while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-install) install=0 ;;
    --skip-tests) tests=0 ;;
    --system-deps) system_deps=1 ;;
    --output)
      [[ $# -ge 2 && -n "$2" ]] || die "--output needs a directory"
      output="$2"
      shift
      ;;
    --output=*)
      output="${1#--output=}"
      [[ -n "$output" ]] || die "--output needs a directory"
      ;;
    -h|--help) usage; exit 0 ;;
    *) printf 'build-native.sh: unknown option: %s\n\n' "$1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

os="$(evloop_os)" || die "unsupported operating system $(uname -s): evloop builds on Linux and macOS"
libname="$(evloop_lib_name "$os")"
jobs="$(evloop_jobs)"

# ---- 1. system packages ------------------------------------------------------------

install_debian() {
  local wanted=(cmake gcc libc6-dev make pkg-config redis-server curl libssl-dev openssl)
  if [[ "$system_deps" -eq 1 ]]; then
    wanted+=(libuv1-dev libhiredis-dev)
  fi
  evloop_apt_install "${wanted[@]}" || {
    local status=$?
    printf 'build-native.sh: (or run it with --no-install when the packages are there)\n' >&2
    exit "$status"
  }
}

install_macos() {
  if ! xcrun --find cc >/dev/null 2>&1; then
    die "no C compiler: install the Xcode command line tools with 'xcode-select --install'"
  fi
  if ! command -v brew >/dev/null 2>&1; then
    printf 'build-native.sh: Homebrew (https://brew.sh) not found. Install it, then run:\n' >&2
    printf '  brew install libuv hiredis redis cmake pkg-config\n' >&2
    printf 'and run build-native.sh again (or run it with --no-install).\n' >&2
    exit 1
  fi
  # The archives must be Homebrew's, which CMake links; the tools may come from anywhere.
  evloop_brew_install libuv hiredis openssl@3 redis:redis-server cmake:cmake pkg-config:pkg-config || exit
}

if [[ "$install" -eq 1 ]]; then
  if [[ "$os" == darwin ]]; then
    install_macos
  elif command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then
    install_debian
  else
    die "cannot install packages here (neither apt-get nor Homebrew). Install a C compiler, make, cmake, curl and redis-server (with --system-deps also libuv >= 1.44 and hiredis 1.x, development files), then run with --no-install."
  fi
fi

command -v cmake >/dev/null 2>&1 || die "cmake not found (run without --no-install to install it)"

cmake_args=()
build_suffix=""
# Only the release build copies its library to the --output folder (when built).
release_args=(-DEVL_RESOURCES_DIR=)
if [[ -n "$output" ]]; then
  mkdir -p "$output"
  release_args=(-DEVL_RESOURCES_DIR="$(cd "$output" && pwd)")
fi
if [[ "$system_deps" -eq 1 ]]; then
  cmake_args+=(-DEVL_SYSTEM_DEPS=ON)
  build_suffix="-system"
fi

# ---- 2. release build --------------------------------------------------------------

release_dir="$root/build/native$build_suffix"
log "Building the release library in $release_dir"
cmake -S "$root/native" -B "$release_dir" -DCMAKE_BUILD_TYPE=Release "${release_args[@]}" \
  ${cmake_args[@]+"${cmake_args[@]}"}
if [[ "$tests" -eq 1 ]]; then
  cmake --build "$release_dir" --parallel "$jobs"
else
  cmake --build "$release_dir" --parallel "$jobs" --target evloop-libraries
fi
lib="$release_dir/$libname"
[[ -f "$lib" ]] || die "the build did not produce $lib"
libs=("$lib")
for tls in $(evloop_tls_lib_names "$os"); do
  [[ ! -f "$release_dir/$tls" ]] || libs+=("$release_dir/$tls")
done
[[ ${#libs[@]} -gt 1 ]] || log "No TLS layer was built (no OpenSSL development files): the native loop will refuse TLS"

# ---- 3. exports and dependencies -------------------------------------------------

inspect_args=()
[[ "$system_deps" -eq 1 ]] && inspect_args=(--system-deps)
"$root/scripts/inspect-native.sh" ${inspect_args[@]+"${inspect_args[@]}"} "${libs[@]}"

# ---- 4, 5. tests -------------------------------------------------------------------

if [[ "$tests" -eq 1 ]]; then
  log "Running the C tests (release build)"
  (cd "$release_dir" && ctest --output-on-failure)

  asan_dir="$root/build/native$build_suffix-asan"
  log "Building with AddressSanitizer and UndefinedBehaviorSanitizer in $asan_dir"
  cmake -S "$root/native" -B "$asan_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DEVL_SANITIZE=ON -DEVL_WERROR=ON ${cmake_args[@]+"${cmake_args[@]}"}
  cmake --build "$asan_dir" --parallel "$jobs"

  log "Running the C tests under ASan+UBSan"
  (
    if [[ "$os" == linux ]]; then
      export ASAN_OPTIONS=detect_leaks=1
    fi
    export LSAN_OPTIONS="suppressions=$root/native/test/lsan.supp:print_suppressions=0"
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    cd "$asan_dir" && ctest --output-on-failure
  )
fi

log "Done"
