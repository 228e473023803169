#!/usr/bin/env bash
# The fault soak (long; not part of the test command): archives to a real SeaweedFS through a
# proxy failing 0%, 10%, 30% and 50% of requests, 50 archives each, partial ones finished with
# --retry; prints completed / partial / lost / overhead. Exits 1 if any log was lost.
# Usage: scripts/soak.sh [ARCHIVES] [RATES]   (defaults 50 and 0,10,30,50)
# SOAK_S3=moto runs it against moto (scripts/moto.sh) instead of SeaweedFS. Uploads run with the
# default concurrency (--jobs 8).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
archives="${1:-50}"
rates="${2:-0,10,30,50}"
cd "$repo"
bash scripts/setup.sh
swift build -c release --product logarchive >/dev/null
bin="$(swift build -c release --show-bin-path)/logarchive"
work="$(mktemp -d "${TMPDIR:-/var/tmp}/logarchive-soak.XXXXXX")"
kind="${SOAK_S3:-seaweedfs}"
case "$kind" in seaweedfs | moto) ;; *) echo "SOAK_S3 must be seaweedfs or moto" >&2; exit 64 ;; esac
server="$work/$kind"
# Assigned first: `eval "$(…)"` alone would hide a server that did not start.
exports=$(bash "scripts/$kind.sh" start "$server")
eval "$exports"
trap 'bash "scripts/$kind.sh" stop "$server" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
python3 scripts/soak.py --bin "$bin" --work "$work" --archives "$archives" --rates "$rates"
