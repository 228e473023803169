#!/usr/bin/env bash
# Upload throughput of one large, incompressible log to SeaweedFS on loopback: logarchive (SigV4,
# x-amz-checksum-sha256 on every part, parts 4 at a time, HEAD verification) against
# `aws s3 cp` of the same file, in the same run. Usage: scripts/bench-upload.sh [SIZE_MB] (1024).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
size_mb="${1:-1024}"
cd "$repo"
bash scripts/setup.sh
swift build -c release >/dev/null
bin="$(swift build -c release --show-bin-path)/logarchive"

work="$(mktemp -d "${TMPDIR:-/var/tmp}/logarchive-bench.XXXXXX")"
server="$work/seaweedfs"
eval "$(bash scripts/seaweedfs.sh start "$server")"
trap 'bash "$repo/scripts/seaweedfs.sh" stop "$server"; rm -rf "$work"' EXIT
export LOGARCHIVE_COMPRESSION_THRESHOLD=1T  # measure the upload, not gzip
aws --endpoint-url "$AWS_ENDPOINT_URL_S3" s3api create-bucket --bucket bench >/dev/null

mkdir -p "$work/logs/debug"
head -c "$((size_mb << 20))" /dev/urandom > "$work/logs/debug/901-core.log"
cp "$work/logs/debug/901-core.log" "$work/copy.log"
bytes=$(stat -c %s "$work/copy.log")
echo "input: $bytes bytes (random, so gzip cannot shrink it)"
measure() {
    local label="$1"; shift
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    read -r seconds kib < "$work/time"
    printf "| %s | %s s | %.0f MB/s | %s MiB |\n" "$label" "$seconds" "$(echo "$bytes / 1000000 / $seconds" | bc -l)" "$((kib / 1024))"
}
echo "| client | time | throughput | peak RSS |"
echo "|---|---|---|---|"
measure "aws s3 cp (awscli $(aws --version 2>&1 | cut -d' ' -f1 | cut -d/ -f2))" aws --endpoint-url "$AWS_ENDPOINT_URL_S3" s3 cp "$work/copy.log" s3://bench/aws/901-core.log --only-show-errors
cd "$work"
measure "logarchive 901 --store s3://bench/la" "$bin" 901 --store s3://bench/la --no-commit --no-comment
