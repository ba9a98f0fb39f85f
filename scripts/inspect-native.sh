#!/usr/bin/env bash
# Inspects built libevloop libraries: what they export and what they depend on.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/inspect-native.sh [LIBRARY...]

Prints, for each libevloop library given (default: this platform's copy under
target/classes/META-INF/native/<os>-<arch>/, which 'mvn verify' or
'./build-native.sh --output target/classes' puts there):
  - what it is (file),
  - its exported symbols:   Linux: nm -D --defined-only    macOS: nm -gU
  - its dependencies:       Linux: readelf -d (NEEDED, RUNPATH) and ldd
                            macOS: otool -L
  - Linux only, for information: RELRO, BIND_NOW and the stack flags (readelf).
  - the files bundled beside it, when its folder has the manifest evloop.libs that
    'build-native.sh --output' writes (in load order, libevloop last): for each, what it is,
    its SONAME / install name and what it needs. A listed file that is missing fails.
Fails if a library exports anything but evl_ names (the public API; evl__ names are
internal and must stay hidden) or exports nothing. ELF's _init and _fini are allowed.
Libraries are inspected with the host's tools, so give it libraries of the host's
format (ELF on Linux, Mach-O on macOS).
EOF
}

case "${1:-}" in -h|--help) usage; exit 0 ;; esac

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OS="$(uname -s)"
case "$OS" in
  Linux) os=linux; ext=so ;;
  Darwin) os=darwin; ext=dylib ;;
  *) echo "inspect-native.sh: unsupported OS $OS (Linux and macOS only)" >&2; exit 2 ;;
esac
case "$(uname -m)" in
  x86_64|amd64) arch=x86_64 ;;
  aarch64|arm64) arch=aarch64 ;;
  *) arch="$(uname -m)" ;;
esac

if [ $# -eq 0 ]; then
  default="$ROOT/target/classes/META-INF/native/$os-$arch/libevloop.$ext"
  [ -f "$default" ] || { echo "inspect-native.sh: no $default; build it first (mvn verify), or name the libraries" >&2; exit 2; }
  set -- "$default"
fi

section() { printf '\n--- %s\n' "$*"; }
failures=0

for lib in "$@"; do
  printf '\n=== %s\n' "$lib"
  if [ ! -f "$lib" ]; then
    echo "FAIL: no such file"; failures=$((failures + 1)); continue
  fi
  if command -v file >/dev/null 2>&1; then
    file -b "$lib"
  fi

  section "exported symbols"
  if [ "$os" = linux ]; then
    if ! symbols="$(nm -D --defined-only "$lib" 2>&1)"; then
      echo "$symbols"; echo "FAIL: nm cannot read it (not an ELF shared library?)"
      failures=$((failures + 1)); continue
    fi
    printf '%s\n' "$symbols"
    # The last field is the name; drop ELF symbol versions (name@VERSION) and the
    # initialization entry points some linkers leave in the dynamic table.
    names="$(printf '%s\n' "$symbols" | awk 'NF { print $NF }' | sed 's/@.*//' | grep -v -x -e _init -e _fini || true)"
  else
    if ! symbols="$(nm -gU "$lib" 2>&1)"; then
      echo "$symbols"; echo "FAIL: nm cannot read it (not a Mach-O library?)"
      failures=$((failures + 1)); continue
    fi
    printf '%s\n' "$symbols"
    # Mach-O names carry a leading underscore.
    names="$(printf '%s\n' "$symbols" | awk 'NF { print $NF }' | sed 's/^_//')"
  fi
  names="$(printf '%s\n' "$names" | sed '/^$/d' | LC_ALL=C sort -u)"
  foreign="$(printf '%s\n' "$names" | grep -v -e '^evl_' -e '^$' || true)"
  internal="$(printf '%s\n' "$names" | grep -e '^evl__' || true)"
  count="$(printf '%s\n' "$names" | grep -c '^evl_' || true)"
  if [ -n "$foreign" ]; then
    echo "FAIL: exports names that are not evl_:"; printf '  %s\n' $foreign
    failures=$((failures + 1))
  fi
  if [ -n "$internal" ]; then
    echo "FAIL: exports internal evl__ names:"; printf '  %s\n' $internal
    failures=$((failures + 1))
  fi
  if [ "$count" -eq 0 ]; then
    echo "FAIL: exports no evl_ function at all"
    failures=$((failures + 1))
  elif [ -z "$foreign" ] && [ -z "$internal" ]; then
    echo "OK: exports $count evl_ functions and nothing else"
  fi

  section "dependencies"
  if [ "$os" = linux ]; then
    if command -v readelf >/dev/null 2>&1; then
      readelf -d "$lib" | grep -E '\((NEEDED|RUNPATH|RPATH|SONAME)\)' || echo "(no NEEDED entries)"
      section "resolved here (ldd)"
    fi
    # ldd resolves them on this machine: "not found" means not installed here, which
    # is what a user without the library would see.
    ldd "$lib" || echo "(ldd cannot resolve it on this machine)"
    if command -v readelf >/dev/null 2>&1; then
      section "hardening (information only)"
      relro="$(readelf -lW "$lib" | grep -c GNU_RELRO || true)"
      now="$(readelf -dW "$lib" | grep -E '\(FLAGS(_1)?\)' | grep -c -E 'BIND_NOW|NOW' || true)"
      stack="$(readelf -lW "$lib" | awk '/GNU_STACK/ { print $(NF-1) }')"
      echo "RELRO: $([ "$relro" -gt 0 ] && echo yes || echo no)   BIND_NOW: $([ "$now" -gt 0 ] && echo yes || echo no)   stack flags: ${stack:-unknown}"
    fi
  else
    otool -L "$lib"
  fi

  manifest="$(dirname "$lib")/evloop.libs"
  section "bundled files ($manifest)"
  if [ ! -f "$manifest" ]; then
    echo "(no manifest: the library is used alone; whatever it needs beyond the OS must be installed)"
    continue
  fi
  while read -r name; do
    case "$name" in ''|'#'*) continue ;; esac
    file="$(dirname "$lib")/$name"
    if [ ! -f "$file" ]; then
      echo "FAIL: $name is listed but missing"; failures=$((failures + 1)); continue
    fi
    printf '%s (%s bytes)' "$name" "$(wc -c <"$file" | tr -d ' ')"
    if command -v file >/dev/null 2>&1; then printf ': %s' "$(file -b "$file")"; fi
    printf '\n'
    [ "$name" = "$(basename "$lib")" ] && continue
    if [ "$os" = linux ]; then
      if command -v readelf >/dev/null 2>&1; then
        readelf -d "$file" | grep -E '\((NEEDED|SONAME)\)' | sed 's/^ */    /'
      fi
    else
      otool -L "$file" | sed -n '2,$p'
    fi
  done <"$manifest"
done

echo
if [ "$failures" -gt 0 ]; then
  echo "inspect-native.sh: $failures problem(s) found" >&2
  exit 1
fi
echo "inspect-native.sh: $# librar$([ $# -eq 1 ] && echo y || echo ies) inspected, exports OK"
