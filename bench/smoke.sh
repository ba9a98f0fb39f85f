#!/usr/bin/env bash
# CI smoke test of the benchmark suite: the quick run, checking only that every client ran
# and produced figures (never that it was fast). Exits non-zero otherwise.
set -euo pipefail
exec "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/bench.sh" --quick --check "$@"
