#!/usr/bin/env bash
# Compression of one large generated JSONL log: logarchive's block-parallel gzip (libdeflate blocks
# joined into one member; end to end through `logarchive rotate`, which compresses, fsyncs and
# truncates) against gzip -6, pigz -p 2 -6 and libdeflate-gzip (one thread) on the same file in the
# same run, each output fsynced too (`sync FILE`) so all pay the same disk cost. Then every level
# 1-9 of logarchive's encoder (logarchive-bench-gzip: no disk write) beside gzip -N's size.
# Each row carries the 1-minute load average when it was measured: on a shared machine, rerun
# when it is low. Prints Markdown tables.
# Usage: scripts/bench-compress.sh [SIZE_MB] [RUNS] [levels|no-levels]   (defaults 1024, 3, levels)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
size_mb="${1:-1024}"
runs="${2:-3}"
levels="${3:-levels}"
cd "$repo"
bash scripts/setup.sh
sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
command -v libdeflate-gzip >/dev/null || $sudo apt-get install -y -qq libdeflate-tools >/dev/null
build_path="${BUILD_PATH:-.build}"
swift build -c release --build-path "$build_path" >/dev/null
bin="$(swift build -c release --build-path "$build_path" --show-bin-path)"

work="$(mktemp -d "${TMPDIR:-/var/tmp}/logarchive-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
source="$work/agent.jsonl"
python3 "$repo/scripts/gen_jsonl.py" "$source" "$size_mb"
bytes=$(stat -c %s "$source")
echo "input: $bytes bytes of JSONL, $(nproc) cores, zlib $(python3 -c 'import zlib; print(zlib.ZLIB_RUNTIME_VERSION)'), libdeflate $(pkg-config --modversion libdeflate)"

load() { cut -d' ' -f1 /proc/loadavg; }
best() {  # label, output file, command... : runs the command $runs times, keeps the fastest
    local label="$1" output="$2"; shift 2
    local best_s="" best_kib="" best_load="" best_cpu=""
    for _ in $(seq 1 "$runs"); do
        [ "$label" = logarchive ] && { cp "$source" "$work/copy.jsonl"; rm -rf "$work/rotated"; }
        sync
        local before; before=$(load)
        /usr/bin/time -f "%e %M %U %S" -o "$work/time" "$@" >/dev/null 2>&1
        read -r seconds kib user system < "$work/time"
        if [ -z "$best_s" ] || (( $(echo "$seconds < $best_s" | bc -l) )); then
            best_s=$seconds; best_kib=$kib; best_load=$before; best_cpu=$(echo "$user + $system" | bc -l)
        fi
    done
    [ "$label" = logarchive ] && { output="$(ls "$work"/rotated/*.gz)"; label="logarchive rotate (level 6)"; }
    gzip -t "$output"
    local size; size=$(stat -c %s "$output")
    [ -z "${pigz_s:-}" ] && [ "$label" = "pigz -p 2 -6" ] && pigz_s=$best_s
    printf "| %s | %s s | %.2f s | %s MiB | %.0f MB/s | %s | %s | %+.2f%% | %s |\n" "$label" "$best_s" "$best_cpu" "$((best_kib / 1024))" \
        "$(echo "$bytes / 1000000 / $best_s" | bc -l)" "$(if [ -n "${pigz_s:-}" ]; then printf "%.2f×" "$(echo "$pigz_s / $best_s" | bc -l)"; else echo "–"; fi)" \
        "$size" "$(echo "($size - ${gzip_size:-$size}) * 100 / ${gzip_size:-$size}" | bc -l)" "$best_load"
    [ "$label" = "gzip -6" ] && gzip_size=$size
    return 0
}
echo "| tool | best of $runs (wall) | its CPU (user+sys) | peak RSS | throughput | vs pigz -p 2 -6 | output bytes | size vs gzip -6 | load |"
echo "|---|---|---|---|---|---|---|---|---|"
best "gzip -6" "$work/gzip.gz" sh -c "gzip -6 -c '$source' > '$work/gzip.gz' && sync '$work/gzip.gz'"
gzip_size=$(stat -c %s "$work/gzip.gz")
best "pigz -p 2 -6" "$work/pigz.gz" sh -c "pigz -6 -p 2 -c '$source' > '$work/pigz.gz' && sync '$work/pigz.gz'"
best "libdeflate-gzip -6" "$work/ld6.gz" sh -c "libdeflate-gzip -6 -c '$source' > '$work/ld6.gz' && sync '$work/ld6.gz'"
best "libdeflate-gzip -7" "$work/ld7.gz" sh -c "libdeflate-gzip -7 -c '$source' > '$work/ld7.gz' && sync '$work/ld7.gz'"
best logarchive "" "$bin/logarchive" rotate "$work/copy.jsonl" --threshold 0 --archive-dir "$work/rotated"
cmp <(zcat "$work"/rotated/*.gz) "$source" && echo "round trip: zcat of logarchive's archive equals the input"
cmp <(pigz -dc "$work"/rotated/*.gz) "$source" && echo "round trip: pigz -d of logarchive's archive equals the input"

[ "$levels" = levels ] || exit 0
echo
echo "| level | libdeflate level | time (wall) | CPU | peak RSS | throughput | output bytes | gzip -N bytes | size vs gzip -N | load |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for level in 1 2 3 4 5 6 7 8 9; do
    before=$(load)
    /usr/bin/time -f "%e %M %U %S" -o "$work/time" "$bin/logarchive-bench-gzip" "$source" --level "$level" > "$work/line"
    read -r seconds kib user system < "$work/time"
    ours=$(sed -E 's/.*-> ([0-9]+) bytes.*/\1/' "$work/line")
    mapped=$(sed -E 's/.*\(libdeflate ([0-9]+)\).*/\1/' "$work/line")
    theirs=$(gzip "-$level" -c "$source" | wc -c)
    printf "| %s | %s | %s s | %.2f s | %s MiB | %.0f MB/s | %s | %s | %+.2f%% | %s |\n" "$level" "$mapped" "$seconds" "$(echo "$user + $system" | bc -l)" "$((kib / 1024))" \
        "$(echo "$bytes / 1000000 / $seconds" | bc -l)" "$ours" "$theirs" "$(echo "($ours - $theirs) * 100 / $theirs" | bc -l)" "$before"
done
