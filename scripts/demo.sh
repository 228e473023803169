#!/usr/bin/env bash
# Archives the sample issue 123 on the embedded local store, in a scratch copy of logs/ so the
# checkout is left as it is. Installs what it needs first.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"

bash scripts/setup.sh
swift build
bin="$(swift build --show-bin-path)/logarchive"

scratch="$(mktemp -d "${TMPDIR:-/tmp}/logarchive-demo.XXXXXX")"
cp -R "$repo/logs" "$scratch/logs"
cd "$scratch"
echo "== scratch copy: $scratch"
echo
echo "== logarchive 123 --dry-run"
"$bin" 123 --dry-run
echo
echo "== logarchive 123"
"$bin" 123
echo
echo "== the original workflow's query on the index"
jq -e --arg issue 123 '.archives[] | select(.issue_number == $issue) | {issue_number, total_logs, compression_ratio, partial_archive, upload_complete}' logs/.archive-index.json logs/.archive-index/*.json
echo
echo "== the store"
find .logarchive-store -type f | sort
for gz in $(find .logarchive-store -name '*.gz'); do gzip -t "$gz" && echo "gzip -t ok: $gz"; done
echo
echo "== logarchive 123 again: already archived, nothing changes"
"$bin" 123
