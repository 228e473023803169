#!/usr/bin/env bash
# `reindex --all` rebuilding a deleted index from a local store of N archived issues (L logs each).
# Usage: scripts/bench-reindex.sh [ISSUES] [LOGS_PER_ISSUE] [BINARY]   (defaults: 10000, 5, the
#   release build of this checkout). The store is generated once per run by gen_store.py.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
issues="${1:-10000}"
per_issue="${2:-5}"
cd "$repo"
if [[ -n "${3:-}" ]]; then
    bin="$3"
else
    swift build -c release >/dev/null
    bin="$(swift build -c release --show-bin-path)/logarchive"
fi
work="$(mktemp -d "${TMPDIR:-/var/tmp}/logarchive-bench-reindex.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/project/logs"/{builds,debug,deployments,sessions}
python3 scripts/gen_store.py "$work/project/.logarchive-store" --issues "$issues" --logs "$per_issue"
for run in 1 2 3; do
    rm -rf "$work/project/logs/.archive-index" "$work/project/logs/.archive-index.json"
    (cd "$work/project" && /usr/bin/time -f "%e s, peak RSS %M KiB" "$bin" reindex --all >/dev/null)
done
echo "$(ls "$work/project/logs/.archive-index" | wc -l) index files"
