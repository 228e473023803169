#!/usr/bin/env bash
# Compression of one large generated JSONL log: logarchive's block-parallel gzip (through
# `logarchive rotate`, which compresses, fsyncs and truncates) against gzip -6 and pigz -p 2 -6 on
# the same file in the same run, each output fsynced too (`sync FILE`) so all pay the same disk
# cost. Prints a Markdown table: time, peak RSS, throughput, output size against gzip's.
# Usage: scripts/bench-compress.sh [SIZE_MB] [RUNS]   (defaults 1024 and 3; the best run is kept)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
size_mb="${1:-1024}"
runs="${2:-3}"
cd "$repo"
bash scripts/setup.sh
command -v pigz >/dev/null || { sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo; $sudo apt-get install -y -qq pigz >/dev/null; }
swift build -c release >/dev/null
bin="$(swift build -c release --show-bin-path)/logarchive"

work="$(mktemp -d "${TMPDIR:-/var/tmp}/logarchive-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
source="$work/agent.jsonl"
python3 "$repo/scripts/gen_jsonl.py" "$source" "$size_mb"
bytes=$(stat -c %s "$source")
echo "input: $bytes bytes of JSONL, $(nproc) cores, zlib $(python3 -c 'import zlib; print(zlib.ZLIB_RUNTIME_VERSION)')"

best() {  # label, output file, command... : runs the command $runs times, keeps the fastest
    local label="$1" output="$2"; shift 2
    local best_s="" best_kib=""
    for _ in $(seq 1 "$runs"); do
        [ "$label" = logarchive ] && { cp "$source" "$work/copy.jsonl"; rm -rf "$work/rotated"; }
        sync
        /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>&1
        read -r seconds kib < "$work/time"
        if [ -z "$best_s" ] || (( $(echo "$seconds < $best_s" | bc -l) )); then best_s=$seconds; best_kib=$kib; fi
    done
    [ "$label" = logarchive ] && output="$(ls "$work"/rotated/*.gz)"
    gzip -t "$output"
    local size; size=$(stat -c %s "$output")
    printf "| %s | %s s | %s MiB | %.0f MB/s | %s | %+.2f%% |\n" "$label" "$best_s" "$((best_kib / 1024))" \
        "$(echo "$bytes / 1000000 / $best_s" | bc -l)" "$size" "$(echo "($size - ${gzip_size:-$size}) * 100 / ${gzip_size:-$size}" | bc -l)"
    [ "$label" = "gzip -6" ] && gzip_size=$size
    return 0
}
echo "| tool | best of $runs | peak RSS | throughput | output bytes | size vs gzip -6 |"
echo "|---|---|---|---|---|---|"
best "gzip -6" "$work/gzip.gz" sh -c "gzip -6 -c '$source' > '$work/gzip.gz' && sync '$work/gzip.gz'"
gzip_size=$(stat -c %s "$work/gzip.gz")
best "pigz -p 2 -6" "$work/pigz.gz" sh -c "pigz -6 -p 2 -c '$source' > '$work/pigz.gz' && sync '$work/pigz.gz'"
best logarchive "" "$bin" rotate "$work/copy.jsonl" --threshold 0 --archive-dir "$work/rotated"
cmp <(zcat "$work"/rotated/*.gz) "$source" && echo "round trip: zcat of logarchive's archive equals the input"
