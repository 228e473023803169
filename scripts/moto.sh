#!/usr/bin/env bash
# A throwaway, loopback-only moto S3 server: an S3 implementation independent of SeaweedFS (moto
# is AWS's behaviour re-implemented in Python from PyPI), so the S3 suites can run against two.
#
#   eval "$(bash scripts/moto.sh start DIR)"   # prints export lines for the S3 endpoint
#   bash scripts/moto.sh stop DIR               # idempotent
#
# Only the export lines go to stdout; every diagnostic goes to stderr.
# DIR holds moto.log and moto.pid. moto keeps everything in memory: a stop forgets every bucket.
#
# Signatures: moto checks them only with its IAM checks on (INITIAL_NO_AUTH_ACTION_COUNT), and then
# recomputes them over a query it has decoded, so it refuses a '/' sent as %2F, as SigV4 and the
# AWS SDK send it (moto 5.2.1: `aws s3api list-objects-v2 --prefix team/` gets 403
# SignatureDoesNotMatch). Every store with a prefix would fail; the wrong-secret test is
# SeaweedFS's alone.
set -euo pipefail

HOST=127.0.0.1
PORT=8334 # SeaweedFS (scripts/seaweedfs.sh) has 8333: both can run at once
ENDPOINT="http://$HOST:$PORT"
# moto checks no SigV4 signature (see below why it runs so); these only make the requests look
# like the tests' other runs.
ACCESS_KEY=logarchive-test
SECRET_KEY=logarchive-test-secret
# The behaviour the tests rely on was checked against this release; override to try another.
PIP_SPEC="${MOTO_PIP_SPEC:-moto[server]==5.2.1}"
START_TIMEOUT=60

log() { echo "moto: $*" >&2; }
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
pidfile="$dir/moto.pid"

# The server runs as `python3 -m moto.server` (what moto_server runs), started by the real
# interpreter, so no PATH shim (pyenv) stands between us and the pid we record.
moto_works() { python3 -c 'import moto.server, flask, flask_cors' >/dev/null 2>&1; }

ensure_moto() {
    if ! moto_works; then
        log "installing $PIP_SPEC with pip"
        python3 -m pip install -q "$PIP_SPEC" >&2 || die "pip install $PIP_SPEC failed"
        moto_works || die "$PIP_SPEC installed but moto.server does not import"
    fi
    log "using moto $(python3 -c 'import importlib.metadata as m; print(m.version("moto"))')"
}

ensure_aws() {
    command -v aws >/dev/null 2>&1 && return
    log "installing awscli with pip (the health check uses it)"
    python3 -m pip install -q awscli >&2 || die "pip install awscli failed"
    hash -r
    command -v aws >/dev/null 2>&1 || die "awscli installed but aws is not on PATH"
}

# A real SigV4-signed call, as the tests will make.
healthy() {
    env -u AWS_PROFILE AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
        AWS_ACCESS_KEY_ID="$ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$SECRET_KEY" \
        AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_MAX_ATTEMPTS=1 \
        aws --endpoint-url "$ENDPOINT" --cli-connect-timeout 2 --cli-read-timeout 5 \
        s3api list-buckets >/dev/null 2>&1
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; }

# The pid in DIR/moto.pid, if that process is alive and is a moto server on our port.
our_pid() {
    local pid
    pid=$(cat "$pidfile" 2>/dev/null) || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "moto.server -H $HOST -p $PORT" || return 1
    echo "$pid"
}

wait_healthy() { # pid
    local deadline=$((SECONDS + START_TIMEOUT))
    until healthy; do
        kill -0 "$1" 2>/dev/null || { tail -n 20 "$dir/moto.log" >&2; die "moto exited during startup (log: $dir/moto.log)"; }
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
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "pid $pid still alive after 10 s, killing"
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
    ensure_moto
    local args=(-m moto.server -H "$HOST" -p "$PORT")
    log "starting: python3 ${args[*]}"
    local t0=$SECONDS
    # As in seaweedfs.sh: a new session, output to the log, inherited descriptors closed, so a
    # caller reading our output through a pipe sees it end when this script ends.
    pid=$(python3 - "$dir/moto.log" "${args[@]}" <<'PY'
import os, subprocess, sys
log = open(sys.argv[1], "ab")
env = dict(os.environ)
# Path-style addressing only (the tests' bucket names must not be read from the host name).
env["S3_IGNORE_SUBDOMAIN_BUCKETNAME"] = "true"
child = subprocess.Popen([sys.executable] + sys.argv[2:], stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                         close_fds=True, start_new_session=True, env=env)
print(child.pid)
PY
)
    echo "$pid" >"$pidfile"
    if ! wait_healthy "$pid"; then
        tail -n 20 "$dir/moto.log" >&2
        stop
        die "S3 API did not answer on $ENDPOINT within ${START_TIMEOUT}s (log: $dir/moto.log)"
    fi
    log "S3 ready on $ENDPOINT after $((SECONDS - t0)) s (pid $pid, log $dir/moto.log)"
    print_exports
}

"$cmd"
