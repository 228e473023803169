#!/usr/bin/env bash
# Archive speed over a network: one issue of 22 logs (20 small session logs, two 5 MB build logs)
# archived to SeaweedFS through scripts/fault_proxy.py --rtt at each round trip given.
#
#   bash scripts/bench-network.sh BINARY [SEAWEEDFS_DIR] [RTT_MS ...]    (default: /tmp/sw, 0 20 50 100)
#
# Prints one line per round trip: seconds for the run, and the requests and connections the
# proxy counted. Starts SeaweedFS in SEAWEEDFS_DIR only if it is not running there already, and
# stops only the proxies it started. Extra logarchive flags go in LOGARCHIVE_BENCH_FLAGS.
set -euo pipefail
binary=$(realpath "$1")
dir=${2:-/tmp/sw}
shift $(( $# >= 2 ? 2 : 1 ))
rtts=("$@")
[ ${#rtts[@]} -gt 0 ] || rtts=(0 20 50 100)
repo=$(cd "$(dirname "$0")/.." && pwd)
eval "$(bash "$repo/scripts/seaweedfs.sh" start "$dir")"
work=$(mktemp -d)
proxy_pid=
cleanup() { [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

make_logs() {  # $1: project folder
    python3 - "$1" <<'PY'
import os, random, sys
root = sys.argv[1]
rng = random.Random(14)
os.makedirs(f"{root}/logs/sessions"); os.makedirs(f"{root}/logs/builds")
for n in range(1, 21):
    with open(f"{root}/logs/sessions/session-14-part{n}.md", "w") as f:
        f.write("".join(f"line {i} {rng.getrandbits(64):016x}\n" for i in range(100)))
for name in ("build", "release"):
    with open(f"{root}/logs/builds/14-{name}.log", "w") as f:
        while f.tell() < 5_000_000:
            f.write(f"[{rng.randrange(10**6)}] compiling module {rng.getrandbits(96):024x} ok\n")
PY
}

printf '%-8s %-9s %-9s %s\n' rtt_ms seconds requests connections
for rtt in "${rtts[@]}"; do
    bucket="bench-$(date +%s%N | tail -c 10)"
    aws --endpoint-url "$AWS_ENDPOINT_URL_S3" s3api create-bucket --bucket "$bucket" >/dev/null
    project="$work/p-$rtt"
    make_logs "$project"
    python3 "$repo/scripts/fault_proxy.py" --rtt "$rtt" --stats "$work/stats-$rtt.json" >"$work/proxy-$rtt.out" 2>/dev/null &
    proxy_pid=$!
    for _ in $(seq 100); do grep -q listening "$work/proxy-$rtt.out" 2>/dev/null && break; sleep 0.05; done
    endpoint="http://$(sed 's/listening //' "$work/proxy-$rtt.out")"
    start=$(date +%s.%N)
    (cd "$project" && AWS_ENDPOINT_URL_S3=$endpoint "$binary" 14 --store "s3://$bucket" --no-comment --no-commit \
        ${LOGARCHIVE_BENCH_FLAGS:-} >/dev/null)
    end=$(date +%s.%N)
    kill "$proxy_pid"; wait "$proxy_pid" 2>/dev/null || true; proxy_pid=
    python3 - "$rtt" "$start" "$end" "$work/stats-$rtt.json" <<'PY'
import json, sys
rtt, start, end, path = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
s = json.load(open(path))
print(f"{rtt:<8} {end - start:<9.2f} {s['requests']:<9} {s['connections']}")
PY
done
