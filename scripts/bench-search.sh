#!/usr/bin/env bash
# logarchive search vs zgrep and logarchive read vs zcat on about 1 GB of archived logs.
#   bash scripts/bench-search.sh            (BENCH_SEARCH_MB=200 for a quicker run)
# Builds ~200 logs of ~5 MB across 20 issues, archives them with the release logarchive (every log
# gzipped: --compression-threshold 1k), then times `search --archived-only` against zgrep over the
# same .gz files (the match counts must be equal), and `read --raw` of one issue holding one ~1 GB
# log against zcat of its .gz.
set -euo pipefail
cd "$(dirname "$0")/.."
TOTAL_MB=${BENCH_SEARCH_MB:-1000}
FILES=200
ISSUES=20
QUERY="upstream timeout"

# LOGARCHIVE_BENCH_BIN: a release binary built already (the tarball's, say); else one is built.
if [ -n "${LOGARCHIVE_BENCH_BIN:-}" ]; then
    BIN="$LOGARCHIVE_BENCH_BIN"
else
    swift build -c release --product logarchive >&2
    BIN="$(swift build -c release --show-bin-path)/logarchive"
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-search.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/logs/"{builds,sessions,deployments,debug}
cd "$WORK"

echo "generating $FILES logs, $TOTAL_MB MB in all, across $ISSUES issues" >&2
python3 - "$TOTAL_MB" "$FILES" "$ISSUES" <<'PY'
import random, sys
total_mb, files, issues = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
per_file = total_mb * 1024 * 1024 // files
random.seed(42)
words = ["compiled", "linked", "fetched", "cached", "resolved", "tested", "queued", "retried"]
for index in range(files):
    issue = 1000 + index % issues
    lines, size, n = [], 0, 0
    while size < per_file:
        n += 1
        if random.random() < 0.0002:
            line = f"2025-01-15T12:{n % 60:02d}:{n % 59:02d}Z [error] request {n} failed: upstream timeout after {random.randint(1, 60)} s\n"
        else:
            line = f"2025-01-15T12:{n % 60:02d}:{n % 59:02d}Z [info] step {n} {random.choice(words)} module_{random.randint(0, 999)}.swift in {random.randint(0, 9999)} ms\n"
        lines.append(line)
        size += len(line)
    with open(f"logs/builds/{issue}-part{index:03d}.log", "w") as f:
        f.write("".join(lines))
PY
# The read benchmark's issue lives in a project of its own, so the search compares like with like.
mkdir -p big/logs/builds
cat logs/builds/*.log > big/logs/builds/2000-big.log
BIG_BYTES=$(stat -c %s big/logs/builds/2000-big.log)

echo "archiving (release logarchive, every log gzipped)" >&2
for issue in $(seq 1000 $((1000 + ISSUES - 1))); do
    "$BIN" "$issue" --no-commit --no-comment --compression-threshold 1k >/dev/null
done
(cd big && "$BIN" 2000 --no-commit --no-comment --compression-threshold 1k >/dev/null)
STORE="$WORK/.logarchive-store"
BIG=$(find big/.logarchive-store -name '*.gz')
find "$STORE" -name '*.gz' | sort > searched.txt
echo "store: $(wc -l < searched.txt) .gz files, $(du -sh "$STORE" | cut -f1); the big log's .gz: $(du -h "$BIG" | cut -f1)" >&2

echo "== search '$QUERY' over the 20 issues' archives"
ours=$(/usr/bin/time -f '%e s %M KB' "$BIN" search "$QUERY" --archived-only 2>time-ours.txt > ours.txt; tail -1 time-ours.txt)
theirs=$(/usr/bin/time -f '%e s %M KB' bash -c "xargs zgrep -c '$QUERY' < searched.txt > zgrep.txt" 2>&1 | tail -1)
our_matches=$(wc -l < ours.txt)
their_matches=$(awk -F: '{ sum += $NF } END { print sum }' zgrep.txt)
echo "logarchive search: $ours, $our_matches matches"
echo "zgrep:             $theirs, $their_matches matches"
[ "$our_matches" = "$their_matches" ] || { echo "match counts differ" >&2; exit 1; }

echo "== read of one issue holding one log of $BIG_BYTES bytes"
ours=$(cd big && /usr/bin/time -f '%e s %M KB' "$BIN" read 2000 --raw 2>&1 >/dev/null | tail -1)
theirs=$(/usr/bin/time -f '%e s %M KB' zcat "$BIG" 2>&1 >/dev/null | tail -1)
echo "logarchive read --raw: $ours"
echo "zcat:                  $theirs"
