#!/usr/bin/env bash
# The index at scale: what one archive, `status N` and `status` cost with a history of H archived
# issues (entries of L logs), against the same with no history, in the same run; the migration of
# a single-file history; and one issue of 500 small logs with its fsyncs counted.
# Usage: scripts/bench-index.sh [HISTORIES] [LOGS_PER_ENTRY]   (defaults: "1000 10000" and 5)
#   MIGRATIONS="1000 10000" limits the single-file migrations measured (default: HISTORIES); a
#   single file of 100,000 entries of 30 logs is 2.7 GB, past the 1 GiB an index file may be.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
histories="${1:-1000 10000}"
per_entry="${2:-5}"
migrations="${MIGRATIONS:-$histories}"
cd "$repo"
bash scripts/setup.sh
command -v strace >/dev/null || apt-get install -y -qq strace >/dev/null
# LOGARCHIVE_BENCH_BIN: a release binary built already (the tarball's, say); else one is built.
if [ -n "${LOGARCHIVE_BENCH_BIN:-}" ]; then
    bin="$LOGARCHIVE_BENCH_BIN"
else
    swift build -c release >/dev/null
    bin="$(swift build -c release --show-bin-path)/logarchive"
fi
work="$(mktemp -d "${TMPDIR:-/var/tmp}/logarchive-bench-index.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Seconds and peak RSS (MiB) of one command, run in $1.
timed() {
    local dir="$1"; shift
    local started ended
    started=$(date +%s%N)
    (cd "$dir" && /usr/bin/time -f "%M" -o "$work/time" "$@" >/dev/null 2>"$work/err") || { cat "$work/err" >&2; exit 1; }
    ended=$(date +%s%N)
    read -r kib < "$work/time"
    # Milliseconds: /usr/bin/time's hundredths are too coarse for a 70 ms run.
    printf '%.3f %s\n' "$(echo "($ended - $started) / 1000000000" | bc -l)" "$((kib / 1024))"
}

# Median time of archiving five new issues of five small logs each, into full shards.
archive_median() {
    local dir="$1" times=() rss=0 issue
    for issue in 10 20 30 40 50; do
        mkdir -p "$dir/logs/debug"
        for n in 1 2 3 4 5; do echo "line $n of $issue" > "$dir/logs/debug/$issue-part$n.log"; done
        read -r seconds mib < <(timed "$dir" "$bin" "$issue" --no-comment --no-commit --store "$dir/store")
        times+=("$seconds"); ((mib > rss)) && rss=$mib
    done
    printf '%s\n' "${times[@]}" | sort -n | sed -n 3p | tr '\n' ' '
    echo "$rss"
}

echo "| history | largest index file | logarchive N (median of 5) | peak RSS | status N | status |"
echo "|---|---|---|---|---|---|"
base="$work/empty"; mkdir -p "$base/logs"
read -r empty_archive empty_rss < <(archive_median "$base")
echo "| none | $(stat -c %s "$base/logs/.archive-index/"*.json | sort -n | tail -1) B | $empty_archive s | $empty_rss MiB | – | – |"
for history in $histories; do
    dir="$work/h$history"
    python3 scripts/gen_index.py "$dir/logs" --issues "$history" --logs "$per_entry" --layout sharded --gap 10
    # The history's pages on disk first: writeback of a fresh 400 MB would slow the runs' fsyncs.
    sync
    read -r archive rss < <(archive_median "$dir")
    read -r status_one _ < <(timed "$dir" "$bin" status 21)
    read -r status_all _ < <(timed "$dir" "$bin" status)
    largest=$(stat -c %s "$dir/logs/.archive-index/"*.json | sort -n | tail -1)
    rm -rf "$dir"
    ratio=$(echo "$archive / $empty_archive" | bc -l)
    printf "| %s issues × %s logs | %s MB | %s s (%.2f× none) | %s MiB | %s s | %s s |\n" \
        "$history" "$per_entry" "$(echo "scale=1; $largest / 1000000" | bc)" "$archive" "$ratio" "$rss" "$status_one" "$status_all"
done

echo
echo "| migration of a single-file history | index size | time | peak RSS |"
echo "|---|---|---|---|"
for history in $migrations; do
    dir="$work/m$history"
    python3 scripts/gen_index.py "$dir/logs" --issues "$history" --logs "$per_entry" --layout single --gap 10
    sync
    size=$(stat -c %s "$dir/logs/.archive-index.json")
    mkdir -p "$dir/logs/debug"; echo "one line" > "$dir/logs/debug/10-x.log"
    read -r seconds mib < <(timed "$dir" "$bin" 10 --no-comment --no-commit --store "$dir/store")
    echo "| $history issues × $per_entry logs (first archive, migration included) | $(echo "scale=1; $size / 1000000" | bc) MB | $seconds s | $mib MiB |"
    rm -rf "$dir"
done

echo
dir="$work/many"; mkdir -p "$dir/logs/sessions"
for n in $(seq 1 500); do echo "agent step $n" > "$dir/logs/sessions/session-77-$n.md"; done
sync
(cd "$dir" && strace -f -c -e trace=fsync,fdatasync -o "$work/strace" "$bin" 77 --no-comment --no-commit --store "$dir/store" >/dev/null)
fsyncs=$(awk '$NF == "fsync" || $NF == "fdatasync" {sum += $4} END {print sum + 0}' "$work/strace")
for n in $(seq 1 500); do echo "agent step $n" > "$dir/logs/sessions/session-78-$n.md"; done
read -r seconds mib < <(timed "$dir" "$bin" 78 --no-comment --no-commit --store "$dir/store")
mkdir -p "$dir/copy"; for n in $(seq 1 500); do echo "agent step $n" > "$dir/copy/session-79-$n.md"; done
read -r copy _ < <(timed "$dir" cp -r "$dir/copy" "$dir/copied")
echo "| one issue of 500 one-line logs, local store, no history | time | peak RSS | fsyncs (strace, separate run) |"
echo "|---|---|---|---|"
echo "| logarchive 78 | $seconds s | $mib MiB | $fsyncs |"
echo "| cp -r of the same 500 files, for scale | $copy s | – | 0 |"
