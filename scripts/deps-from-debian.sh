#!/usr/bin/env bash
# Builds the two libraries libevloop links statically, libuv and hiredis, as static and
# position-independent archives from the upstream tarballs of pinned Debian source packages.
#
# Why: the jar's libevloop must need nothing but libc wherever it is loaded, so libuv and
# hiredis go inside it, and that takes archives compiled with -fPIC. Debian's own libuv_a.a
# is not, and Debian 12's hiredis is 0.14 (the shim needs 1.x). Building both from the same
# pinned sources also makes the library the same whatever the build machine has installed.
#
# Where the sources come from: each tarball is the .orig.tar.gz that the .dsc of the Debian
# source package below lists, fetched from the Debian mirror apt is configured with, else
# from deb.debian.org, and checked against the SHA-256 that .dsc gives (pinned here). Nothing
# of them is committed.
#
# Usage: scripts/deps-from-debian.sh PREFIX
#   installs PREFIX/include (uv.h, uv/, hiredis/ with adapters/) and PREFIX/lib (libuv.a,
#   libhiredis.a), and PREFIX/deps.stamp; does nothing when the stamp says PREFIX already
#   holds this very build. The sources are kept in PREFIX.src/ so that a rebuild (after a
#   change of this script) does not fetch again.
# Needs: a C compiler, make, cmake, tar, and curl or wget (only when fetching).
set -euo pipefail

# name | Debian source package | tarball | SHA-256 of the tarball (from the package's .dsc) | pool folder
DEPS=(
  "libuv|libuv1_1.50.0-2|libuv1_1.50.0.orig.tar.gz|ec9de6ecf2a780fd2afb3b007947d2cd57c3bb17f3b9e721a66774980d35cd4d|libu/libuv1"
  "hiredis|hiredis_1.2.0-6|hiredis_1.2.0.orig.tar.gz|82ad632d31ee05da13b537c124f819eb88e18851d9cb0c30ae0552084811588c|h/hiredis"
)

[[ $# -eq 1 && -n "$1" ]] || { echo "usage: $0 PREFIX" >&2; exit 2; }
prefix="$1"
log() { printf '==> %s\n' "$*"; }
die() { printf 'deps-from-debian.sh: %s\n' "$*" >&2; exit 1; }

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1; else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

# The stamp names the sources and this script's own content: a change to either rebuilds.
stamp="$(printf '%s\n' "${DEPS[@]}"; sha256_of "${BASH_SOURCE[0]}")"
if [[ -f "$prefix/deps.stamp" && "$(cat "$prefix/deps.stamp")" == "$stamp" \
      && -f "$prefix/lib/libuv.a" && -f "$prefix/lib/libhiredis.a" ]]; then
  log "libuv and hiredis (from Debian's sources) already built in $prefix"
  exit 0
fi

# Debian mirrors apt knows (one-line and deb822 formats), then the default one.
mirrors() {
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | sed -n -E 's,^[[:space:]]*(deb|deb-src|URIs:)[[:space:]]+(\[[^]]*\][[:space:]]+)?(https?://[^[:space:]]+/debian)/?([[:space:]].*)?$,\3,p' \
    | awk '!seen[$0]++' || true
  echo "http://deb.debian.org/debian"
}

download() {
  local url="$1" out="$2"
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 2 --connect-timeout 20 --max-time 300 -o "$out" "$url"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -T 120 -O "$out" "$url"
  else
    die "neither curl nor wget is installed: install one (apt-get install curl) to fetch the sources"
  fi
}

sources="$prefix.src"
mkdir -p "$sources"

# Fetches (unless already there) and checks one tarball; prints its path.
fetch() {
  local package="$1" tarball="$2" sha256="$3" pool="$4"
  local archive="$sources/$tarball" mirror fetched=0
  if [[ ! -f "$archive" || "$(sha256_of "$archive")" != "$sha256" ]]; then
    rm -f "$archive"
    while read -r mirror; do
      [[ -n "$mirror" ]] || continue
      log "Fetching $mirror/pool/main/$pool/$tarball (Debian source package $package)" >&2
      if download "$mirror/pool/main/$pool/$tarball" "$archive.part"; then
        mv "$archive.part" "$archive"
        fetched=1
        break
      fi
      rm -f "$archive.part"
    done < <(mirrors)
    [[ "$fetched" -eq 1 ]] || die "could not fetch $tarball from any Debian mirror"
  fi
  local actual
  actual="$(sha256_of "$archive")"
  if [[ "$actual" != "$sha256" ]]; then
    rm -f "$archive"
    die "$tarball has SHA-256 $actual, expected $sha256 (from the .dsc of $package)"
  fi
  log "$tarball: SHA-256 as the .dsc of $package gives" >&2
  printf '%s\n' "$archive"
}

# Unpacks a tarball into a fresh folder and prints the one top-level folder it holds.
unpack() {
  local archive="$1" into="$2"
  rm -rf "$into"
  mkdir -p "$into"
  tar -xzf "$archive" -C "$into"
  local top
  top="$(find "$into" -mindepth 1 -maxdepth 1 -type d | head -n 1)"
  [[ -n "$top" ]] || die "$archive holds no folder"
  printf '%s\n' "$top"
}

jobs="$(getconf _NPROCESSORS_ONLN 2>/dev/null || sysctl -n hw.ncpu 2>/dev/null || echo 2)"
stage="$prefix.new"
rm -rf "$stage"
mkdir -p "$stage/include/hiredis/adapters" "$stage/lib"

build_libuv() {
  local src="$1" log_file="$sources/libuv-build.log"
  log "Building libuv.a (static, -fPIC, Release)"
  {
    cmake -S "$src" -B "$sources/libuv-build" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DLIBUV_BUILD_SHARED=OFF \
      -DLIBUV_BUILD_TESTS=OFF -DLIBUV_BUILD_BENCH=OFF \
      && cmake --build "$sources/libuv-build" --parallel "$jobs"
  } >"$log_file" 2>&1 || { tail -n 30 "$log_file" >&2; die "building libuv failed (log: $log_file)"; }
  cp "$sources/libuv-build/libuv.a" "$stage/lib/libuv.a"
  cp -R "$src/include/uv.h" "$src/include/uv" "$stage/include/"
}

build_hiredis() {
  local src="$1" log_file="$sources/hiredis-build.log"
  log "Building libhiredis.a (static, -fPIC, no TLS)"
  # hiredis's Makefile compiles with -fPIC already; OPTIMIZATION replaces its -O3.
  make -C "$src" -j"$jobs" static OPTIMIZATION=-O2 USE_SSL=0 >"$log_file" 2>&1 \
    || { tail -n 30 "$log_file" >&2; die "building hiredis failed (log: $log_file)"; }
  cp "$src"/hiredis.h "$src"/async.h "$src"/read.h "$src"/sds.h "$src"/alloc.h "$stage/include/hiredis/"
  cp "$src"/adapters/*.h "$stage/include/hiredis/adapters/"
  cp "$src/libhiredis.a" "$stage/lib/"
}

for entry in "${DEPS[@]}"; do
  IFS='|' read -r name package tarball sha256 pool <<<"$entry"
  archive="$(fetch "$package" "$tarball" "$sha256" "$pool")"
  src="$(unpack "$archive" "$sources/$name")"
  "build_$name" "$src"
done

printf '%s\n' "$stamp" >"$stage/deps.stamp"
rm -rf "$prefix"
mv "$stage" "$prefix"
log "libuv and hiredis installed in $prefix"
