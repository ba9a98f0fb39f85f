#!/usr/bin/env bash
# build-native.sh: builds libevloop (the C shim in native/) and runs its C tests.
# Run with --help for what it does.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: build-native.sh [--no-install] [--skip-tests] [--output DIR] [--help]

Builds the native part of evloop, the shim library libevloop.so (Linux) or
libevloop.dylib (macOS), from native/ with CMake, and tests it.

Without options it does everything, in this order:
  1. Installs the system packages that are missing:
       Debian/Ubuntu: libuv1-dev libhiredis-dev cmake gcc libc6-dev make pkg-config
                      redis-server, with 'apt-get update' then
                      'apt-get install -y --no-install-recommends' of the missing ones
                      only (checked with dpkg-query). Runs apt-get as root, through
                      sudo when not root; without sudo it prints the command to run
                      and exits with status 1.
       macOS:         libuv hiredis redis cmake pkg-config with Homebrew ('brew
                      install' of the missing ones only).
     redis-server is not needed to build; the Redis tests of the Java build use it.
  2. Builds the release library in build/native (CMake build type Release).
  3. Checks the library's exported symbols (nm -D --defined-only on Linux, nm -gU on
     macOS, printed in full): they must be exactly the EVL_EXPORT functions of
     native/include/evloop.h. Anything else exported (or anything missing) fails.
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
  --skip-tests   Build only the release library and check its exports (steps 2, 3):
                 no tests, no sanitizer build. This is what the Maven build runs.
  --output DIR   After a successful build, copy the release library to
                 DIR/META-INF/native/<os>-<arch>/, where <os> is linux or darwin and
                 <arch> is x86_64 or aarch64 (amd64 and arm64 are normalized to these),
                 e.g. DIR/META-INF/native/linux-x86_64/libevloop.so, together with the
                 shared libraries it needs that are not part of the OS (see "Bundled
                 dependencies" below), and write the list of them all in load order
                 (dependencies first, libevloop last) to evloop.libs in that folder.
  -h, --help     Print this help and exit.

Bundled dependencies: the release build (CMake option EVL_BUNDLE_DEPS, on by default)
links libuv and hiredis statically when their static archive links into a shared
library (a try-link decides; the CMake output says which and why), and gives libevloop
an RPATH of $ORIGIN (macOS: @loader_path). --output copies the ones still linked
dynamically beside it:
  Linux: every NEEDED library (and what those need in turn) that is not part of glibc
         (libc, libm, libpthread, libdl, librt, ld-linux...) or libgcc_s, resolved with
         ldd and copied as a real file under its SONAME, e.g. libuv.so.1; then checks with
         ldd that the copy of libevloop resolves them to the copies.
  macOS: every dylib of 'otool -L' outside /usr/lib and /System (Homebrew's), copied
         under its file name; the copies' install names and the references to them are
         rewritten to @loader_path/<name> with install_name_tool and the files re-signed
         ad hoc (codesign), as install_name_tool invalidates their signature.
On Debian 12 that is: hiredis static (hidden inside libevloop), libuv.so.1 beside it.

Re-running is incremental: CMake reuses the build directories and rebuilds only what
changed. Delete build/native and build/native-asan to start over.

Environment: the usual CMake variables apply, e.g. CC to pick the compiler,
CMAKE_PREFIX_PATH, Libuv_ROOT or Hiredis_ROOT to point at other installations of
libuv (>= 1.44) or hiredis (0.14.x or 1.x).
EOF
}

log() { printf '==> %s\n' "$*"; }
die() { printf 'build-native.sh: %s\n' "$*" >&2; exit 1; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
install=1
tests=1
output=""

while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-install) install=0 ;;
    --skip-tests) tests=0 ;;
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

case "$(uname -s)" in
  Linux) os=linux; libname=libevloop.so ;;
  Darwin) os=darwin; libname=libevloop.dylib ;;
  *) die "unsupported operating system $(uname -s): evloop builds on Linux and macOS" ;;
esac
case "$(uname -m)" in
  x86_64|amd64) arch=x86_64 ;;
  aarch64|arm64) arch=aarch64 ;;
  *) die "unsupported architecture $(uname -m): evloop builds for x86_64 and aarch64" ;;
esac

if [[ "$os" == darwin ]]; then
  jobs="$(sysctl -n hw.ncpu 2>/dev/null || echo 2)"
else
  jobs="$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)"
fi

# ---- 1. system packages ------------------------------------------------------------

install_debian() {
  local wanted=(libuv1-dev libhiredis-dev cmake gcc libc6-dev make pkg-config redis-server curl)
  local missing=()
  local pkg
  for pkg in "${wanted[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    log "System packages present: ${wanted[*]}"
    return
  fi
  local sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      printf 'build-native.sh: missing packages: %s\n' "${missing[*]}" >&2
      printf 'Run as root:\n  apt-get update && apt-get install -y --no-install-recommends %s\n' \
        "${missing[*]}" >&2
      printf 'then run build-native.sh again (or run it with --no-install).\n' >&2
      exit 1
    fi
  fi
  log "Installing missing packages: ${missing[*]}"
  ${sudo[@]+"${sudo[@]}"} apt-get update
  ${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
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
  local missing=()
  local formula
  for formula in libuv hiredis; do
    brew list --versions "$formula" >/dev/null 2>&1 || missing+=("$formula")
  done
  # Tools count as present when they are on the PATH, wherever they came from.
  command -v redis-server >/dev/null 2>&1 || missing+=(redis)
  command -v cmake >/dev/null 2>&1 || missing+=(cmake)
  command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
  if [[ ${#missing[@]} -eq 0 ]]; then
    log "Homebrew packages present: libuv hiredis redis cmake pkg-config"
    return
  fi
  log "Installing with Homebrew: ${missing[*]}"
  brew install "${missing[@]}"
}

if [[ "$install" -eq 1 ]]; then
  if [[ "$os" == darwin ]]; then
    install_macos
  elif command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then
    install_debian
  else
    die "cannot install packages here (neither apt-get nor Homebrew). Install a C compiler, make, cmake, pkg-config, libuv >= 1.44 and hiredis 0.14.x or 1.x (development files), and redis-server, then run with --no-install."
  fi
fi

command -v cmake >/dev/null 2>&1 || die "cmake not found (run without --no-install to install it)"

# ---- hiredis 1.x ----------------------------------------------------------------------
# The shim needs hiredis >= 1.0 (0.14's reader refuses replies nested deeper than 7 levels,
# which Redis sends). Where the system has an older one, hiredis is built from Debian's
# source package (scripts/hiredis-from-debian.sh: pinned version, checksummed) into
# build/deps and linked statically.
hiredis_args=()
system_hiredis="$(pkg-config --modversion hiredis 2>/dev/null || true)"
if [[ "$os" == linux && "${system_hiredis%%.*}" != [1-9]* ]]; then
  log "System hiredis is ${system_hiredis:-absent}; building hiredis 1.x from Debian's source package"
  "$root/scripts/hiredis-from-debian.sh" "$root/build/deps/hiredis"
  hiredis_args=(-DHiredis_ROOT="$root/build/deps/hiredis")
else
  log "Using the system hiredis $system_hiredis"
fi

# ---- 2. release build --------------------------------------------------------------

release_dir="$root/build/native"
log "Building the release library in $release_dir"
cmake -S "$root/native" -B "$release_dir" -DCMAKE_BUILD_TYPE=Release "${hiredis_args[@]}"
if [[ "$tests" -eq 1 ]]; then
  cmake --build "$release_dir" --parallel "$jobs"
else
  cmake --build "$release_dir" --parallel "$jobs" --target evloop
fi
lib="$release_dir/$libname"
[[ -f "$lib" ]] || die "the build did not produce $lib"

# ---- 3. exported symbols -----------------------------------------------------------

# The API: every function declared with EVL_EXPORT in the header.
expected="$(sed -n 's/^EVL_EXPORT[^(]*[ *]\(evl_[A-Za-z0-9_]*\)(.*/\1/p' \
  "$root/native/include/evloop.h" | LC_ALL=C sort -u)"
[[ -n "$expected" ]] || die "found no EVL_EXPORT functions in native/include/evloop.h"

log "Exported symbols of $lib:"
if [[ "$os" == darwin ]]; then
  nm_output="$(nm -gU "$lib")"
  printf '%s\n' "$nm_output"
  # Mach-O names carry a leading underscore.
  exported="$(printf '%s\n' "$nm_output" | awk 'NF { print $NF }' | sed 's/^_//' | LC_ALL=C sort -u)"
else
  nm_output="$(nm -D --defined-only "$lib")"
  printf '%s\n' "$nm_output"
  # _init and _fini are the ELF initialization entry points some linkers leave in the
  # dynamic symbol table; nothing else is allowed besides the API.
  exported="$(printf '%s\n' "$nm_output" | awk 'NF { print $NF }' | sed 's/@.*//' \
    | grep -v -x -e _init -e _fini | LC_ALL=C sort -u || true)"
fi
unexpected="$(LC_ALL=C comm -23 <(printf '%s\n' "$exported") <(printf '%s\n' "$expected") | sed '/^$/d')"
absent="$(LC_ALL=C comm -13 <(printf '%s\n' "$exported") <(printf '%s\n' "$expected") | sed '/^$/d')"
if [[ -n "$unexpected" ]]; then
  die "exported symbols that are not the evl_ API of evloop.h: $(echo $unexpected)"
fi
if [[ -n "$absent" ]]; then
  die "functions of evloop.h that the library does not export: $(echo $absent)"
fi
log "Exports OK: exactly the $(printf '%s\n' "$expected" | wc -l | tr -d ' ') evl_ functions of evloop.h"

# ---- 4, 5. tests -------------------------------------------------------------------

if [[ "$tests" -eq 1 ]]; then
  log "Running the C tests (release build)"
  (cd "$release_dir" && ctest --output-on-failure)

  asan_dir="$root/build/native-asan"
  log "Building with AddressSanitizer and UndefinedBehaviorSanitizer in $asan_dir"
  cmake -S "$root/native" -B "$asan_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DEVL_SANITIZE=ON -DEVL_WERROR=ON "${hiredis_args[@]}"
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

# ---- output ------------------------------------------------------------------------

# Parts of the OS that are never copied: glibc's libraries and the dynamic loader, and
# libgcc_s, which every Linux system has.
is_os_library_linux() {
  case "$1" in
    linux-vdso.so*|linux-gate.so*|ld-linux*|ld64.so*|libc.so*|libm.so*|libmvec.so*|libpthread.so*|\
    libdl.so*|librt.so*|libresolv.so*|libutil.so*|libanl.so*|libnsl.so*|libcrypt.so*|\
    libBrokenLocale.so*|libthread_db.so*|libnss_*|libc_malloc_debug.so*|libgcc_s.so*) return 0 ;;
  esac
  return 1
}

needed_linux() {
  LC_ALL=C readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\].*/\1/p'
}

soname_linux() {
  LC_ALL=C readelf -d "$1" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p'
}

# Appends "name<TAB>source" lines to $bundle for the non-OS dependencies of $1 and theirs,
# each after its own dependencies (depth first, post order).
collect_linux() {
  local file="$1" dep path resolved
  for dep in $(needed_linux "$file"); do
    is_os_library_linux "$dep" && continue
    case "$bundled_names" in *"|$dep|"*) continue ;; esac
    path="$(env -u LD_LIBRARY_PATH ldd "$file" | awk -v n="$dep" '$1 == n && $2 == "=>" && !done { print $3; done = 1 }')"
    [[ -n "$path" && "$path" != not && -f "$path" ]] \
      || die "$file needs $dep, which ldd does not find on this machine (ldd says: $(ldd "$file" | grep -F -- "$dep" | tr -s ' \t' ' '))"
    resolved="$(readlink -f "$path")"
    [[ "$(soname_linux "$resolved")" == "$dep" ]] \
      || die "$resolved (found for $dep) has the SONAME '$(soname_linux "$resolved")', not $dep"
    collect_linux "$resolved"
    if [[ -n "$(needed_linux "$resolved" | while read -r d; do is_os_library_linux "$d" || echo "$d"; done)" ]]; then
      log "warning: $dep needs other non-OS libraries, and only libevloop has an RPATH of \$ORIGIN: they are copied too, but are found only if already loaded or installed"
    fi
    bundle="$bundle$dep	$resolved
"
    bundled_names="$bundled_names$dep|"
  done
}

is_os_library_darwin() {
  case "$1" in
    /usr/lib/*|/System/*) return 0 ;;
  esac
  return 1
}

# The dylibs a Mach-O file links: otool -L without the file's own install name.
linked_darwin() {
  local id
  id="$(otool -D "$1" | sed -n '2p')"
  otool -L "$1" | sed -n '2,$p' | awk '{ print $1 }' | grep -v -x -F -- "${id:-/nonexistent}" || true
}

# Resolves an install name to a file: absolute paths as they are, @rpath/ against the
# LC_RPATH entries of the file that links it, @loader_path/ against its folder.
resolve_darwin() {
  local from="$1" name="$2" rpath
  case "$name" in
    @rpath/*)
      for rpath in $(otool -l "$from" | awk '/cmd LC_RPATH/ { getline; getline; print $2 }'); do
        rpath="${rpath/@loader_path/$(dirname "$from")}"
        if [[ -f "$rpath/${name#@rpath/}" ]]; then printf '%s\n' "$rpath/${name#@rpath/}"; return; fi
      done
      ;;
    @loader_path/*) printf '%s\n' "$(dirname "$from")/${name#@loader_path/}" ;;
    @*) ;;
    *) printf '%s\n' "$name" ;;
  esac
}

# Appends "name<TAB>source<TAB>install name" lines to $bundle, dependencies first.
collect_darwin() {
  local file="$1" dep path base
  for dep in $(linked_darwin "$file"); do
    is_os_library_darwin "$dep" && continue
    base="$(basename "$dep")"
    [[ "$base" == "$libname" ]] && continue
    case "$bundled_names" in *"|$base|"*) continue ;; esac
    path="$(resolve_darwin "$file" "$dep")"
    [[ -n "$path" && -f "$path" ]] || die "$file links $dep, which is not found on this machine"
    collect_darwin "$path"
    bundle="$bundle$base	$path	$dep
"
    bundled_names="$bundled_names$base|"
  done
}

if [[ -n "$output" ]]; then
  dest="$output/META-INF/native/$os-$arch"
  manifest="$dest/evloop.libs"
  mkdir -p "$dest"
  # What an earlier run copied there goes first, so that nothing stale stays in the jar.
  if [[ -f "$manifest" ]]; then
    while read -r old; do
      case "$old" in ''|'#'*|*/*) ;; *) rm -f "$dest/$old" ;; esac
    done <"$manifest"
    rm -f "$manifest"
  fi
  cp "$lib" "$dest/$libname"
  log "Copied $libname to $dest"

  bundle=""
  bundled_names="|"
  if [[ "$os" == linux ]]; then
    if LC_ALL=C readelf -d "$lib" | grep -E '\((RUNPATH|RPATH)\)' | grep -q -F '$ORIGIN'; then
      collect_linux "$lib"
    else
      log "warning: $libname has no RPATH of \$ORIGIN (EVL_BUNDLE_DEPS=OFF?): its dependencies are not copied and must be installed where it runs"
    fi
  else
    collect_darwin "$lib"
  fi

  names=()
  while IFS=$'\t' read -r name source install_name; do
    [[ -n "$name" ]] || continue
    cp -L "$source" "$dest/$name"
    chmod u+w,a+r "$dest/$name"
    names+=("$name")
    log "Bundled $name (from $source)"
  done <<<"$bundle"

  if [[ "$os" == darwin && ${#names[@]} -gt 0 ]]; then
    # Every copy refers to the others as @loader_path/<name>, and names itself so.
    while IFS=$'\t' read -r name source install_name; do
      [[ -n "$name" ]] || continue
      install_name_tool -id "@loader_path/$name" "$dest/$name"
      for target in "${names[@]}" "$libname"; do
        install_name_tool -change "$install_name" "@loader_path/$name" "$dest/$target"
      done
    done <<<"$bundle"
    for target in "${names[@]}" "$libname"; do
      codesign --force --sign - "$dest/$target" >/dev/null 2>&1 \
        || die "codesign --force --sign - $dest/$target failed (install_name_tool changed it, and arm64 macOS refuses unsigned code)"
    done
    log "Rewrote the install names to @loader_path/ and re-signed:"
    otool -L "$dest/$libname"
  fi

  {
    printf '# evloop: the files of this folder in load order (dependencies first, libevloop last).\n'
    printf '# Written by build-native.sh --output; NativeLibraryLoader extracts them all.\n'
    for name in ${names[@]+"${names[@]}"}; do printf '%s\n' "$name"; done
    printf '%s\n' "$libname"
  } >"$manifest"
  log "Wrote $manifest: $(grep -v '^#' "$manifest" | tr '\n' ' ')"

  if [[ "$os" == linux && ${#names[@]} -gt 0 ]]; then
    # The copy must find every bundled library beside itself, not elsewhere on this machine.
    resolved="$(env -u LD_LIBRARY_PATH ldd "$dest/$libname")"
    printf '%s\n' "$resolved"
    dest_real="$(cd "$dest" && pwd -P)"
    for name in "${names[@]}"; do
      found="$(printf '%s\n' "$resolved" | awk -v n="$name" '$1 == n && $2 == "=>" && !done { print $3; done = 1 }')"
      [[ -n "$found" && "$(readlink -f "$found")" == "$dest_real/$name" ]] \
        || die "the copy of $libname in $dest resolves $name to '${found:-nothing}', not to the copy beside it"
    done
    log "ldd: the copy of $libname resolves ${names[*]} beside itself"
  fi
fi

log "Done"
