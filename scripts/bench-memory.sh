#!/usr/bin/env bash
# Peak memory and time of `logarchive <issue>` on one large log against gzip and pigz on the same
# file, in the same run. Usage: scripts/bench-memory.sh [SIZE_MB] (default 2048).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
size_mb="${1:-2048}"
cd "$repo"
bash scripts/setup.sh
command -v pigz >/dev/null || { sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo; $sudo apt-get install -y -qq pigz >/dev/null; }
swift build -c release >/dev/null
bin="$(swift build -c release --show-bin-path)/logarchive"

work="$(mktemp -d "${TMPDIR:-/var/tmp}/logarchive-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/logs/builds"
log="$work/logs/builds/900-build.log"
python3 - "$log" "$size_mb" <<'PY'
import random, sys
path, megabytes = sys.argv[1], int(sys.argv[2])
random.seed(900)
modules = ["auth", "session", "middleware", "db", "api", "ui", "crypto", "ratelimit"]
block = "".join(
    f"2025-01-15T12:{i % 60:02d}:{(i * 7) % 60:02d}.{i % 1000:03d}Z [build 900] step {random.randint(1, 99999)} "
    f"{random.choice(modules)}/{random.choice(modules)}_{random.randint(1, 400)}.swift ({random.randint(1, 900)} ms)\n"
    for i in range(20000)).encode()
with open(path, "wb") as out:
    written = 0
    while written < megabytes << 20:
        out.write(block)
        written += len(block)
PY
bytes=$(stat -c %s "$log")
echo "input: $bytes bytes"
measure() {  # label, command...
    local label="$1"; shift
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>&1
    read -r seconds kib < "$work/time"
    printf "| %s | %s s | %s MiB | %.0f MB/s |\n" "$label" "$seconds" "$((kib / 1024))" "$(echo "$bytes / 1000000 / $seconds" | bc -l)"
}
echo "| tool | time | peak RSS | throughput |"
echo "|---|---|---|---|"
measure "gzip -6 -c" sh -c "gzip -6 -c '$log' > '$work/gzip.gz'"
measure "pigz -6 -c (2 threads)" sh -c "pigz -6 -p 2 -c '$log' > '$work/pigz.gz'"
measure "sha256sum" sha256sum "$log"
cd "$work"
measure "logarchive 900 (gzip + SHA-256 + store + verify + clean)" "$bin" 900 --no-commit --no-comment
stored=$(find "$work/.logarchive-store" -name '900-build.log.gz')
gzip -t "$stored" && echo "gzip -t: ok ($(stat -c %s "$stored") bytes stored; gzip -6 made $(stat -c %s "$work/gzip.gz"))"
