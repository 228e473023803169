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

NAME=moto
PORT=8334 # SeaweedFS (scripts/seaweedfs.sh) has 8333: both can run at once
SERVER_LOG=moto.log
SERVER_PID=moto.pid
START_TIMEOUT=60
STOP_TIMEOUT=10
# The behaviour the tests rely on was checked against this release; override to try another.
PIP_SPEC="${MOTO_PIP_SPEC:-moto[server]==5.2.1}"
source "$(dirname "$0")/loopback_s3.sh"

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

launch_server() {
    ensure_moto
    # Path-style addressing only (the tests' bucket names must not be read from the host name).
    export S3_IGNORE_SUBDOMAIN_BUCKETNAME=true
    SERVER_ARGV=("$(python3 -c 'import sys; print(sys.executable)')" -m moto.server -H "$HOST" -p "$PORT")
}

server_mark() { echo "moto.server -H $HOST -p $PORT"; }

loopback_s3_main "$@"
