# Shared by scripts/seaweedfs.sh and scripts/moto.sh: the life of a throwaway S3 server on
# loopback. Sourced after the caller has set NAME (for messages), PORT, SERVER_LOG and SERVER_PID
# (file names in DIR), START_TIMEOUT and STOP_TIMEOUT (seconds), and defined launch_server
# (installs what it needs; sets SERVER_ARGV, the command to run) and server_mark (prints text the
# server's command line holds, so that a stale pid file never makes us signal another process).
# The caller then runs `loopback_s3_main "$@"`.
#
#   eval "$(bash scripts/NAME.sh start DIR)"   # prints export lines for the S3 endpoint
#   bash scripts/NAME.sh stop DIR               # idempotent
#
# Only the export lines go to stdout; every diagnostic goes to stderr.

HOST=127.0.0.1
ENDPOINT="http://$HOST:$PORT"
ACCESS_KEY=logarchive-test
SECRET_KEY=logarchive-test-secret

log() { echo "$NAME: $*" >&2; }
die() { log "$*"; exit 1; }

ensure_aws() {
    command -v aws >/dev/null 2>&1 && return
    log "installing awscli with pip (the health check uses it)"
    python3 -m pip install -q awscli >&2 || die "pip install awscli failed"
    hash -r
    command -v aws >/dev/null 2>&1 || die "awscli installed but aws is not on PATH"
}

# The health check is a real SigV4-signed call, as the tests will make.
healthy() {
    env -u AWS_PROFILE AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
        AWS_ACCESS_KEY_ID="$ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$SECRET_KEY" \
        AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_MAX_ATTEMPTS=1 \
        aws --endpoint-url "$ENDPOINT" --cli-connect-timeout 2 --cli-read-timeout 5 \
        s3api list-buckets >/dev/null 2>&1
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; }

# The pid in the pid file, if that process is alive and is our server.
our_pid() {
    local pid
    pid=$(cat "$pidfile" 2>/dev/null) || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$(server_mark)" || return 1
    echo "$pid"
}

wait_healthy() { # pid
    local deadline=$((SECONDS + START_TIMEOUT))
    until healthy; do
        kill -0 "$1" 2>/dev/null || { tail -n 20 "$logfile" >&2; die "$NAME exited during startup (log: $logfile)"; }
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
    # Started as a session leader: signal the whole group to take children too.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    local waited=0
    while kill -0 "$pid" 2>/dev/null && [ $waited -lt $((STOP_TIMEOUT * 2)) ]; do
        sleep 0.5
        waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "pid $pid still alive after $STOP_TIMEOUT s, killing"
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
    launch_server
    log "starting: ${SERVER_ARGV[*]}"
    local t0=$SECONDS
    # A new session (so stop can signal the whole group, and no tie to our terminal), output to
    # the log, and every inherited descriptor above 2 closed: a caller that reads our output
    # through a pipe (a test runner) must see it end when this script ends, not when the server does.
    pid=$(python3 - "$logfile" "${SERVER_ARGV[@]}" <<'PY'
import subprocess, sys
log = open(sys.argv[1], "ab")
child = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                         close_fds=True, start_new_session=True)
print(child.pid)
PY
)
    echo "$pid" >"$pidfile"
    if ! wait_healthy "$pid"; then
        tail -n 20 "$logfile" >&2
        stop
        die "S3 API did not answer on $ENDPOINT within ${START_TIMEOUT}s (log: $logfile)"
    fi
    log "S3 ready on $ENDPOINT after $((SECONDS - t0)) s (pid $pid, log $logfile)"
    print_exports
}

loopback_s3_main() {
    [ $# -eq 2 ] || die "usage: bash $0 start|stop DIR"
    case "$1" in start | stop) ;; *) die "usage: bash $0 start|stop DIR" ;; esac
    if [ "$1" = stop ] && [ ! -d "$2" ]; then
        log "not running for $2"
        exit 0
    fi
    mkdir -p "$2"
    dir=$(cd "$2" && pwd)
    pidfile="$dir/$SERVER_PID"
    logfile="$dir/$SERVER_LOG"
    "$1"
}
