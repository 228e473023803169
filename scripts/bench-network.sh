#!/usr/bin/env bash
# Archive speed over a network, against the tools people use instead, in one run: logarchive,
# `aws s3 cp --recursive` and `rclone copy`, each uploading the same logs to SeaweedFS through
# scripts/fault_proxy.py --rtt at each round trip given. Two workloads: one issue of 22 logs (20
# small session logs, two 5 MB build logs), and one issue with a single 1 GB log.
#
#   bash scripts/bench-network.sh BINARY [SEAWEEDFS_DIR] [RTT_MS ...]    (default: /tmp/sw, 0 20 50 100)
#
# Prints one Markdown row per workload, round trip and tool: seconds, and the requests and
# connections the proxy counted. aws and rclone only copy; logarchive also compresses, checksums,
# verifies what the store holds and indexes it. Starts SeaweedFS in SEAWEEDFS_DIR only if it is not
# running there already. (rclone reads AWS_CA_BUNDLE and refuses plain http with it set: unset.) WORKLOADS="small" skips the 1 GB log; TOOLS="logarchive" runs only ours;
# extra logarchive flags go in LOGARCHIVE_BENCH_FLAGS.
set -euo pipefail
binary=$(realpath "$1")
dir=${2:-/tmp/sw}
shift $(( $# >= 2 ? 2 : 1 ))
rtts=("$@")
[ ${#rtts[@]} -gt 0 ] || rtts=(0 20 50 100)
workloads=${WORKLOADS:-small large}
tools=${TOOLS:-logarchive aws rclone}
repo=$(cd "$(dirname "$0")/.." && pwd)
command -v rclone >/dev/null || apt-get install -y -qq rclone >/dev/null
command -v aws >/dev/null || pip install -q awscli
eval "$(bash "$repo/scripts/seaweedfs.sh" start "$dir")"
work=$(mktemp -d "${TMPDIR:-/var/tmp}/logarchive-bench-network.XXXXXX")
proxy_pid=
cleanup() { [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

make_logs() {  # $1: project folder, $2: workload
    python3 - "$1" "$2" <<'PY'
import os, random, sys
root, workload = sys.argv[1], sys.argv[2]
rng = random.Random(14)
os.makedirs(f"{root}/logs/sessions"); os.makedirs(f"{root}/logs/builds")
def build_log(path, size):
    with open(path, "w") as f:
        while f.tell() < size:
            f.write("".join(f"[{rng.randrange(10**6)}] compiling module {rng.getrandbits(96):024x} ok\n" for _ in range(1000)))
if workload == "small":
    for n in range(1, 21):
        with open(f"{root}/logs/sessions/session-14-part{n}.md", "w") as f:
            f.write("".join(f"line {i} {rng.getrandbits(64):016x}\n" for i in range(100)))
    for name in ("build", "release"):
        build_log(f"{root}/logs/builds/14-{name}.log", 5_000_000)
else:
    build_log(f"{root}/logs/builds/14-build.log", 1_000_000_000)
PY
}

start_proxy() {  # $1: rtt, $2: stats file; sets proxy_pid and endpoint
    rm -f "$work/proxy.out"
    python3 "$repo/scripts/fault_proxy.py" --rtt "$1" --stats "$2" >"$work/proxy.out" 2>/dev/null &
    proxy_pid=$!
    for _ in $(seq 100); do grep -q listening "$work/proxy.out" 2>/dev/null && break; sleep 0.05; done
    endpoint="http://$(sed 's/listening //' "$work/proxy.out")"
}

upload() {  # $1: tool, $2: project, $3: endpoint, $4: bucket
    case "$1" in
    logarchive)
        (cd "$2" && AWS_ENDPOINT_URL_S3=$3 "$binary" 14 --store "s3://$4" --no-comment --no-commit \
            ${LOGARCHIVE_BENCH_FLAGS:-} >/dev/null) ;;
    aws)
        AWS_EC2_METADATA_DISABLED=true aws --endpoint-url "$3" s3 cp --recursive --only-show-errors \
            "$2/logs/" "s3://$4/aws/" ;;
    rclone)
        RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Other RCLONE_CONFIG_BENCH_ENDPOINT=$3 \
            RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
            RCLONE_CONFIG_BENCH_REGION=${AWS_REGION:-us-east-1} env -u AWS_CA_BUNDLE rclone copy -q --s3-no-check-bucket "$2/logs" "bench:$4/rclone" ;;
    esac
}

echo "| workload | rtt | tool | seconds | MB/s of logs | requests | connections |"
echo "|---|---|---|---|---|---|---|"
for workload in $workloads; do
    make_logs "$work/source-$workload" "$workload"
    bytes=$(du -sb "$work/source-$workload/logs" | cut -f1)
    sync
    for rtt in "${rtts[@]}"; do
        for tool in $tools; do
            bucket="bench-$(date +%s%N | tail -c 10)"
            aws --endpoint-url "$AWS_ENDPOINT_URL_S3" s3api create-bucket --bucket "$bucket" >/dev/null
            # SeaweedFS grows a new bucket's first volumes on its first write (about half a
            # second): made here, untimed, so that no tool pays it.
            echo warm | aws --endpoint-url "$AWS_ENDPOINT_URL_S3" s3 cp - "s3://$bucket/warm-up" >/dev/null
            # Hard links: logarchive removes its local copies once stored, and nothing writes in place.
            project="$work/p-$workload-$rtt-$tool"
            cp -al "$work/source-$workload" "$project"
            start_proxy "$rtt" "$work/stats.json"
            start=$(date +%s.%N)
            upload "$tool" "$project" "$endpoint" "$bucket"
            end=$(date +%s.%N)
            kill "$proxy_pid"; wait "$proxy_pid" 2>/dev/null || true; proxy_pid=
            rm -rf "$project"
            python3 - "$workload" "$rtt" "$tool" "$start" "$end" "$bytes" "$work/stats.json" <<'PY'
import json, sys
workload, rtt, tool, start, end, size, path = sys.argv[1:]
seconds = float(end) - float(start)
s = json.load(open(path))
name = "22 logs (10 MB)" if workload == "small" else "one 1 GB log"
print(f"| {name} | {rtt} ms | {tool} | {seconds:.2f} | {int(size) / seconds / 1e6:.0f} | {s['requests']} | {s['connections']} |")
PY
        done
    done
    rm -rf "$work/source-$workload"
done
