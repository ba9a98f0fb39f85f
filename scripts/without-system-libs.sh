#!/usr/bin/env bash
# Runs a command in a private mount namespace where every system copy of libuv and hiredis
# (as ldconfig -p lists them) is covered by an empty file, so that only libraries shipped
# with evloop can satisfy the native loop. Linux, as root (or with passwordless sudo).
#   scripts/without-system-libs.sh examples/consumer/run.sh --skip-install
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
. "$(dirname "$0")/lib/common.sh"
[ $# -ge 1 ] || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }
[ "$(evloop_os || true)" = linux ] || { echo "$0: Linux only (mount namespaces)" >&2; exit 2; }
prefix=()
[ "$(id -u)" -eq 0 ] || prefix=(sudo -n)
hide="$(/sbin/ldconfig -p | awk '$1 ~ /^lib(uv|hiredis)\./ { print $NF }' | xargs -r readlink -f | sort -u)"
[ -n "$hide" ] || { echo "$0: ldconfig lists no libuv or hiredis: nothing to hide" >&2; }
empty="$(mktemp "${TMPDIR:-/tmp}/evloop-empty.XXXXXX")"
trap 'rm -f "$empty"' EXIT
# The inner shell covers the real files (symlinks resolved above), then runs the command.
"${prefix[@]}" unshare -m --propagation private sh -c '
  empty="$1"; shift; hide="$1"; shift
  for f in $hide; do
    mount --bind "$empty" "$f"
    echo "without-system-libs: hid $f"
  done
  exec "$@"' sh "$empty" "$hide" "$@"
