#!/usr/bin/env bash
# Many producers on one TraceCollector: 8 threads each record 1,000,000 events into a collector of
# the default capacity (10,000). Prints events per second, p50/p99/max of single `record` calls,
# peak RSS, and checks that the ring ends holding exactly its capacity.
# Usage: scripts/bench-trace.sh [THREADS] [EVENTS_PER_THREAD] [SAMPLE_EVERY]   (defaults 8, 1000000, 100)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
threads="${1:-8}"
events="${2:-1000000}"
sample_every="${3:-100}"
cd "$repo"
bash scripts/setup.sh
swift build -c release --product logarchive-bench-trace >/dev/null
bin="$(swift build -c release --show-bin-path)/logarchive-bench-trace"
"$bin" --threads "$threads" --events "$events" --sample-every "$sample_every"
