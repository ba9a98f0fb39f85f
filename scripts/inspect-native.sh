#!/usr/bin/env bash
# Inspects and checks built libevloop libraries (libevloop and its TLS layer
# libevloop-tls<N>): what they export, what they depend on, and (Linux) the newest glibc
# and OpenSSL symbol versions they need. The one place these rules live:
# build-native.sh, the C tests (ctest, hence also Maven's native build), the release build
# and the GitHub workflow all run it.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/inspect-native.sh [--system-deps] [--glibc-floor VERSION] [LIBRARY...]

Prints, for each library given (default: this platform's copies under
target/classes/META-INF/native/<os>-<arch>/, which 'mvn package' puts there: libevloop and
the libevloop-tls<N> found there):
  - what it is (file),
  - its exported symbols:   Linux: nm -D --defined-only    macOS: nm -gU
  - its dependencies:       Linux: readelf -d (NEEDED, RUNPATH)   macOS: otool -L
  - Linux: the glibc symbol versions it needs (objdump -T), and, for information, RELRO,
    BIND_NOW and the stack flags (readelf).
and fails when one of these rules is broken:
  - libevloop exports exactly the EVL_EXPORT functions of native/include/evloop.h, and
    libevloop-tls<N> exactly the EVL_TLS_EXPORT functions of native/include/evloop-tls.h:
    nothing else (ELF's _init and _fini excepted), nothing missing;
  - unless --system-deps, libevloop needs nothing but the C library: Linux: NEEDED only
    libc, libm, libpthread, libdl, librt and the dynamic loader, and no RPATH/RUNPATH;
    macOS: nothing outside /usr/lib and /System;
  - libevloop-tls<N> (with or without --system-deps) needs the C library and OpenSSL N's
    libssl and libcrypto only (Linux: libssl.so.3 and libcrypto.so.3 for N=3, .so.1.1 for
    N=11; macOS: libssl.3.dylib and libcrypto.3.dylib, wherever they are), no RPATH/RUNPATH,
    and (Linux) no OPENSSL_ symbol version newer than its generation's first release
    (3.0.0, 1.1.1): it must load on every OpenSSL of that generation;
  - with --glibc-floor VERSION (Linux), no GLIBC_ symbol version above VERSION;
  - macOS, when MACOSX_DEPLOYMENT_TARGET is set: a minimum macOS (otool -l,
    LC_BUILD_VERSION minos) no later than it.
Libraries are inspected with the host's tools, so give it libraries of the host's format
(ELF on Linux, Mach-O on macOS).
EOF
}

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/lib/common.sh
. "$ROOT/scripts/lib/common.sh"
system_deps=0
floor=""
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --system-deps) system_deps=1 ;;
    --glibc-floor)
      [ $# -ge 2 ] && [[ "$2" =~ ^[0-9]+\.[0-9]+$ ]] || { echo "inspect-native.sh: --glibc-floor needs a version such as 2.31" >&2; exit 2; }
      floor="$2"; shift ;;
    --) shift; break ;;
    -*) echo "inspect-native.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) break ;;
  esac
  shift
done

os="$(evloop_os)" || { echo "inspect-native.sh: unsupported OS $(uname -s) (Linux and macOS only)" >&2; exit 2; }

if [ $# -eq 0 ]; then
  platform="$(evloop_platform)" || { echo "inspect-native.sh: unsupported architecture $(uname -m): name the libraries" >&2; exit 2; }
  dir="$ROOT/target/classes/META-INF/native/$platform"
  set -- "$dir/$(evloop_lib_name "$platform")"
  [ -f "$1" ] || { echo "inspect-native.sh: no library under target/classes/META-INF/native/$platform; build it first (mvn package), or name the libraries" >&2; exit 2; }
  for tls in $(evloop_tls_lib_names "$platform"); do
    [ ! -f "$dir/$tls" ] || set -- "$@" "$dir/$tls"
  done
fi

# An API: every function declared with MACRO (EVL_EXPORT, EVL_TLS_EXPORT) in a header.
exported_by() {
  sed -n "s/^$1[^(]*[ *]\\(evl_[A-Za-z0-9_]*\\)(.*/\\1/p" "$ROOT/native/include/$2" | LC_ALL=C sort -u
}
expected_main="$(exported_by EVL_EXPORT evloop.h)"
expected_tls="$(exported_by EVL_TLS_EXPORT evloop-tls.h)"
[ -n "$expected_main" ] || { echo "inspect-native.sh: found no EVL_EXPORT functions in native/include/evloop.h" >&2; exit 2; }
[ -n "$expected_tls" ] || { echo "inspect-native.sh: found no EVL_TLS_EXPORT functions in native/include/evloop-tls.h" >&2; exit 2; }

section() { printf '\n--- %s\n' "$*"; }
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

for lib in "$@"; do
  printf '\n=== %s\n' "$lib"
  if [ ! -f "$lib" ]; then
    fail "no such file"; continue
  fi
  # Which library it is, by its name: the TLS layer's carries OpenSSL's generation.
  tls_gen=""
  case "$(basename "$lib")" in
    libevloop-tls3.*) tls_gen=3 ;;
    libevloop-tls11.*) tls_gen=11 ;;
    libevloop-tls*) fail "a TLS layer for an OpenSSL generation evloop does not know (libevloop-tls3 or -tls11)"; continue ;;
  esac
  if [ -n "$tls_gen" ]; then
    expected="$expected_tls"; header=evloop-tls.h; prefix=evl_tls_
  else
    expected="$expected_main"; header=evloop.h; prefix=evl_
  fi
  if command -v file >/dev/null 2>&1; then
    file -b "$lib"
  fi

  section "exported symbols"
  if [ "$os" = linux ]; then
    if ! symbols="$(nm -D --defined-only "$lib" 2>&1)"; then
      echo "$symbols"; fail "nm cannot read it (not an ELF shared library?)"; continue
    fi
    printf '%s\n' "$symbols"
    # The last field is the name; drop ELF symbol versions (name@VERSION) and the
    # initialization entry points some linkers leave in the dynamic table.
    names="$(printf '%s\n' "$symbols" | awk 'NF { print $NF }' | sed 's/@.*//' | grep -v -x -e _init -e _fini || true)"
  else
    if ! symbols="$(nm -gU "$lib" 2>&1)"; then
      echo "$symbols"; fail "nm cannot read it (not a Mach-O library?)"; continue
    fi
    printf '%s\n' "$symbols"
    # Mach-O names carry a leading underscore.
    names="$(printf '%s\n' "$symbols" | awk 'NF { print $NF }' | sed 's/^_//')"
  fi
  names="$(printf '%s\n' "$names" | sed '/^$/d' | LC_ALL=C sort -u)"
  unexpected="$(LC_ALL=C comm -23 <(printf '%s\n' "$names") <(printf '%s\n' "$expected") | sed '/^$/d')"
  absent="$(LC_ALL=C comm -13 <(printf '%s\n' "$names") <(printf '%s\n' "$expected") | sed '/^$/d')"
  [ -z "$unexpected" ] || fail "exports symbols that are not the ${prefix} API of $header: $(echo $unexpected)"
  [ -z "$absent" ] || fail "does not export these functions of $header: $(echo $absent)"
  if [ -z "$unexpected" ] && [ -z "$absent" ]; then
    echo "OK: exports exactly the $(printf '%s\n' "$expected" | wc -l | tr -d ' ') ${prefix} functions of $header"
  fi

  section "dependencies"
  if [ "$os" = linux ]; then
    dynamic="$(LC_ALL=C readelf -d "$lib")"
    printf '%s\n' "$dynamic" | grep -E '\((NEEDED|RUNPATH|RPATH|SONAME)\)' || echo "(no NEEDED entries)"
    outside="$(printf '%s\n' "$dynamic" | sed -n 's/.*(NEEDED).*\[\(.*\)\].*/\1/p' \
      | grep -v -E '^(libc|libm|libpthread|libdl|librt)\.so\.[0-9]+$|^ld-linux[-a-z0-9_.]*\.so\.[0-9]+$' || true)"
    if [ -n "$tls_gen" ]; then
      soversion=3
      [ "$tls_gen" = 11 ] && soversion=1.1
      beyond="$(printf '%s\n' "$outside" | grep -v -x -e "libssl.so.$soversion" -e "libcrypto.so.$soversion" | sed '/^$/d' || true)"
      [ -z "$beyond" ] || fail "needs libraries beyond the C library and OpenSSL's libssl.so.$soversion and libcrypto.so.$soversion: $(echo $beyond)"
      printf '%s\n' "$outside" | grep -q -x "libssl.so.$soversion" \
        || fail "does not link libssl.so.$soversion: its name says it is the TLS layer for that OpenSSL"
      if printf '%s\n' "$dynamic" | grep -q -E '\((RUNPATH|RPATH)\)'; then
        fail "has an RPATH or RUNPATH: the TLS layer takes the system's OpenSSL, from the usual places"
      fi
      [ -n "$beyond" ] || echo "OK: needs only the C library and OpenSSL's libssl.so.$soversion and libcrypto.so.$soversion"

      section "OpenSSL symbol versions"
      ossl="$(LC_ALL=C objdump -T "$lib" | grep -o 'OPENSSL_[0-9][0-9._a-z]*' | sort -u -V || true)"
      echo "needs: $(echo $ossl)"
      if [ "$tls_gen" = 3 ]; then allowed='^OPENSSL_3\.0\.0$'; else allowed='^OPENSSL_1_1_[01]$'; fi
      newer="$(printf '%s\n' "$ossl" | sed '/^$/d' | grep -v -E "$allowed" || true)"
      [ -z "$newer" ] || fail "needs OpenSSL symbol versions newer than its generation's first release, so it would not load on every OpenSSL $soversion: $(echo $newer)"
      [ -n "$newer" ] || echo "OK: loads on every OpenSSL $soversion"
    elif [ "$system_deps" -eq 0 ]; then
      [ -z "$outside" ] || fail "needs libraries beyond the C library: $(echo $outside)"
      if printf '%s\n' "$dynamic" | grep -q -E '\((RUNPATH|RPATH)\)'; then
        fail "has an RPATH or RUNPATH: a self-contained library looks for nothing of its own"
      fi
      [ -n "$outside" ] || echo "OK: needs only the C library"
    fi

    section "glibc symbol versions"
    versions="$(LC_ALL=C objdump -T "$lib" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/^GLIBC_//' | sort -u -V)"
    newest="$(printf '%s\n' "$versions" | tail -n 1)"
    echo "needs: $(echo $versions)"
    if [ -n "$floor" ]; then
      if [ -n "$newest" ] && [ "$(printf '%s\n%s\n' "$newest" "$floor" | sort -V | tail -n 1)" != "$floor" ]; then
        fail "needs GLIBC_$newest, above the floor of glibc $floor: build it on a system with glibc $floor (scripts/build-release-native.sh)"
      else
        echo "OK: nothing above glibc $floor"
      fi
    fi

    section "hardening (information only)"
    relro="$(readelf -lW "$lib" | grep -c GNU_RELRO || true)"
    now="$(printf '%s\n' "$dynamic" | grep -E '\(FLAGS(_1)?\)' | grep -c -E 'BIND_NOW|NOW' || true)"
    stack="$(readelf -lW "$lib" | awk '/GNU_STACK/ { print $(NF-1) }')"
    echo "RELRO: $([ "$relro" -gt 0 ] && echo yes || echo no)   BIND_NOW: $([ "$now" -gt 0 ] && echo yes || echo no)   stack flags: ${stack:-unknown}"
  else
    linked="$(otool -L "$lib")"
    printf '%s\n' "$linked"
    if [ -n "$tls_gen" ]; then
      outside="$(printf '%s\n' "$linked" | sed -n '2,$p' | awk '{ print $1 }' \
        | grep -v -e '^/usr/lib/' -e '^/System/' -e 'libevloop-tls3\.dylib$' -e '/libssl\.3\.dylib$' -e '/libcrypto\.3\.dylib$' || true)"
      [ -z "$outside" ] || fail "links libraries beyond the OS's and OpenSSL 3's: $(echo $outside)"
      [ -n "$outside" ] || echo "OK: links only the OS's libraries and OpenSSL 3"
    elif [ "$system_deps" -eq 0 ]; then
      outside="$(printf '%s\n' "$linked" | sed -n '2,$p' | awk '{ print $1 }' \
        | grep -v -e '^/usr/lib/' -e '^/System/' -e 'libevloop\.dylib$' || true)"
      [ -z "$outside" ] || fail "links libraries outside the OS: $(echo $outside)"
      [ -n "$outside" ] || echo "OK: links only the OS's libraries"
    fi
    section "minimum macOS"
    minos="$(otool -l "$lib" | awk '/LC_BUILD_VERSION/ { b = 1 } b && $1 == "minos" { print $2; exit }')"
    echo "LC_BUILD_VERSION minos: ${minos:-unknown}"
    if [ -n "${MACOSX_DEPLOYMENT_TARGET:-}" ]; then
      if [ -z "$minos" ] || [ "$(printf '%s\n%s\n' "$minos" "$MACOSX_DEPLOYMENT_TARGET" | sort -V | tail -n 1)" != "$MACOSX_DEPLOYMENT_TARGET" ]; then
        fail "needs macOS ${minos:-(unknown)}, above MACOSX_DEPLOYMENT_TARGET=$MACOSX_DEPLOYMENT_TARGET"
      else
        echo "OK: loads on macOS $MACOSX_DEPLOYMENT_TARGET and later"
      fi
    fi
  fi
done

echo
if [ "$failures" -gt 0 ]; then
  echo "inspect-native.sh: $failures problem(s) found" >&2
  exit 1
fi
echo "inspect-native.sh: $# librar$([ $# -eq 1 ] && echo y || echo ies) inspected, all rules hold"
