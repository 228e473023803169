#!/usr/bin/env bash
# The no-loss proof of `logarchive rotate` at full size: a 1 GiB log of numbered lines is rotated
# while append_writer.py adds 10,000 numbered lines a second (with --no-lock: an unaware writer,
# the hard case; pass "lock" as the third argument for one that takes the shared flock). Each run
# checks that the archive begins with the whole original file (cmp) and that the lines after it,
# followed by what is left in the log, are the writer's numbers exactly once and in order.
# Usage: scripts/bench-rotate.sh [RUNS] [SIZE_MB] [lock|no-lock]   (defaults 20, 1024, no-lock)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-20}"
size_mb="${2:-1024}"
mode="${3:-no-lock}"
cd "$repo"
bash scripts/setup.sh
swift build -c release >/dev/null
bin="$(swift build -c release --show-bin-path)/logarchive"
writer_flags=(); [ "$mode" = no-lock ] && writer_flags=(--no-lock)

work="$(mktemp -d "${TMPDIR:-/var/tmp}/logarchive-rotate.XXXXXX")"
trap 'pkill -f "append_writer.py $work" 2>/dev/null || true; rm -rf "$work"' EXIT
base="$work/base.log"
first=$(python3 - "$base" "$size_mb" <<'PY'
import sys
path, megabytes = sys.argv[1], int(sys.argv[2])
padding = "x" * 60
per_block = 10000
n = 0
with open(path, "wb") as out:
    while out.tell() < megabytes << 20:
        out.write("".join(f"seq={i:012d} {padding}\n" for i in range(n, n + per_block)).encode())
        n += per_block
print(n)
PY
)
base_bytes=$(stat -c %s "$base")
echo "base: $base_bytes bytes, $first lines; writer: 10000 lines/s ($mode); $runs runs"
echo "| run | rotate time | lines written during the run | archived after the base | left in the log | late members | lost | duplicated |"
echo "|---|---|---|---|---|---|---|---|"
failures=0
for run in $(seq 1 "$runs"); do
    log="$work/app.log"
    cp "$base" "$log"
    rm -rf "$work/archive" "$work/ready"
    python3 "$repo/scripts/append_writer.py" "$log" --rate 10000 --start "$first" --ready "$work/ready" "${writer_flags[@]}" \
        > "$work/written" &
    writer=$!
    while [ ! -e "$work/ready" ]; do sleep 0.01; done
    start=$(date +%s.%N)
    "$bin" rotate "$log" --threshold "$((base_bytes / 2))" --archive-dir "$work/archive" --json > "$work/event.json"
    seconds=$(echo "$(date +%s.%N) - $start" | bc -l)
    sleep 0.3  # the writer keeps appending to the truncated log
    kill -TERM "$writer"; wait "$writer"
    written=$(cat "$work/written")
    archive=$(ls "$work"/archive/*.gz)
    cmp -s -n "$base_bytes" <(zcat "$archive" 2>/dev/null) "$base" || { echo "run $run: the archive does not begin with the original log"; failures=$((failures + 1)); continue; }
    verdict=$(python3 "$repo/scripts/check_sequence.py" --from "$first" --skip "$base_bytes" "$written" "$log" "$archive") || failures=$((failures + 1))
    late=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["late_members"])' "$work/event.json")
    python3 - "$run" "$seconds" "$late" "$verdict" <<'PY'
import json, sys
run, seconds, late, verdict = sys.argv[1], float(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
print(f"| {run} | {seconds:.2f} s | {verdict['written']} | {verdict['archived']} | {verdict['left']} | {late} | {verdict['lost']} | {verdict['duplicated']} |")
PY
done
echo "runs with a lost, duplicated or reordered line: $failures of $runs"
[ "$failures" = 0 ]
