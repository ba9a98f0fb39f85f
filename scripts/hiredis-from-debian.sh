#!/usr/bin/env bash
# Builds hiredis 1.x as a static, position-independent archive from Debian's source package,
# for systems whose own hiredis is older than 1.0 (Debian 12 and Ubuntu 22.04 ship 0.14.1,
# whose reader refuses replies nested deeper than 7 levels, which Redis does send).
#
# The source is the upstream tarball of Debian's package hiredis 1.2.0-6 (the .orig.tar.gz
# its .dsc lists), fetched from the Debian mirror apt is configured with, else from
# deb.debian.org, and checked against the SHA-256 the .dsc gives (pinned below). Nothing of
# it is committed; it is unpacked and built under the given prefix's parent folder.
#
# Usage: scripts/hiredis-from-debian.sh PREFIX
#   installs PREFIX/include/hiredis/*.h (adapters/ included) and PREFIX/lib/libhiredis.a;
#   does nothing when PREFIX already holds this very build.
set -euo pipefail

version=1.2.0
package=hiredis_1.2.0-6
tarball=hiredis_${version}.orig.tar.gz
sha256=82ad632d31ee05da13b537c124f819eb88e18851d9cb0c30ae0552084811588c

[[ $# -eq 1 && -n "$1" ]] || { echo "usage: $0 PREFIX" >&2; exit 2; }
prefix="$1"
log() { printf '==> %s\n' "$*"; }
die() { printf 'hiredis-from-debian.sh: %s\n' "$*" >&2; exit 1; }

if [[ -f "$prefix/lib/libhiredis.a" && "$(cat "$prefix/source.sha256" 2>/dev/null)" == "$sha256" ]]; then
  log "hiredis $version (from Debian's $package) already built in $prefix"
  exit 0
fi

work="$(dirname "$prefix")/hiredis-src"
mkdir -p "$work"

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1; else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

# Debian mirrors apt knows (one-line and deb822 formats), then the default one.
mirrors() {
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | sed -n -E 's,^[[:space:]]*(deb|URIs:)[[:space:]]+(\[[^]]*\][[:space:]]+)?(https?://[^[:space:]]+/debian)/?([[:space:]].*)?$,\3,p' \
    | awk '!seen[$0]++' || true
  echo "http://deb.debian.org/debian"
}

download() {
  local url="$1" out="$2"
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 2 --max-time 120 -o "$out" "$url"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -T 120 -O "$out" "$url"
  else
    die "neither curl nor wget is installed: install one (apt-get install curl) to fetch hiredis's source"
  fi
}

archive="$work/$tarball"
if [[ ! -f "$archive" || "$(sha256_of "$archive")" != "$sha256" ]]; then
  rm -f "$archive"
  fetched=0
  while read -r mirror; do
    [[ -n "$mirror" ]] || continue
    url="$mirror/pool/main/h/hiredis/$tarball"
    log "Fetching $url (Debian source package $package)"
    if download "$url" "$archive.part"; then
      mv "$archive.part" "$archive"
      fetched=1
      break
    fi
    rm -f "$archive.part"
  done < <(mirrors)
  [[ "$fetched" -eq 1 ]] || die "could not fetch $tarball from any Debian mirror"
fi
actual="$(sha256_of "$archive")"
[[ "$actual" == "$sha256" ]] || { rm -f "$archive"; die "$tarball has SHA-256 $actual, expected $sha256 (from the .dsc of $package)"; }
log "$tarball: SHA-256 $sha256 as the .dsc of $package gives"

src="$work/hiredis-$version"
rm -rf "$src"
tar -xzf "$archive" -C "$work"
[[ -f "$src/hiredis.h" ]] || die "unexpected layout of $tarball: no hiredis-$version/hiredis.h"

log "Building libhiredis.a $version (static, -fPIC, no TLS)"
jobs="$(getconf _NPROCESSORS_ONLN 2>/dev/null || sysctl -n hw.ncpu 2>/dev/null || echo 2)"
# hiredis's Makefile compiles with -fPIC already; OPTIMIZATION replaces its -O3.
make -C "$src" -j"$jobs" static OPTIMIZATION=-O2 USE_SSL=0 >"$work/build.log" 2>&1 \
  || { tail -n 30 "$work/build.log" >&2; die "building hiredis $version failed (log: $work/build.log)"; }

rm -rf "$prefix"
mkdir -p "$prefix/include/hiredis/adapters" "$prefix/lib"
cp "$src"/hiredis.h "$src"/async.h "$src"/read.h "$src"/sds.h "$src"/alloc.h "$prefix/include/hiredis/"
cp "$src"/adapters/*.h "$prefix/include/hiredis/adapters/"
cp "$src/libhiredis.a" "$prefix/lib/"
echo "$sha256" >"$prefix/source.sha256"
log "hiredis $version installed in $prefix"
