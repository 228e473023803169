#!/usr/bin/env bash
# LogWriter against a plain FileHandle write per line, in the same run: 4,000,000 lines over 40
# files from 4 threads (lines a second, p50/p99/max of one append call, peak RSS); then 1,000
# files under `ulimit -n 64`, which must not fail with EMFILE.
# Usage: scripts/bench-writer.sh [LINES]   (default 4000000)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
lines="${1:-4000000}"
cd "$repo"
bash scripts/setup.sh
swift build -c release --product logarchive-bench-writer >/dev/null
bench="$(swift build -c release --show-bin-path)/logarchive-bench-writer"
work="$(mktemp -d "${TMPDIR:-/var/tmp}/logarchive-writer.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work"
echo "## 40 files, 4 threads, $lines lines"
"$bench" --files 40 --threads 4 --lines "$lines" --dir out --compare-filehandle
echo
echo "## 1,000 files under ulimit -n 64 (pool of 200 descriptors asked for: EMFILE is certain)"
bash -c "ulimit -n 64; exec '$bench' --files 1000 --threads 4 --lines 400000 --max-open 200 --dir emfile"
echo "files written: $(ls emfile/logwriter | wc -l), lines: $(cat emfile/logwriter/* | wc -l)"
