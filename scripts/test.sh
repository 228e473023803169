#!/usr/bin/env bash
# The test command: installs what it needs, builds, starts a real S3-compatible server
# (SeaweedFS on loopback), and runs the whole suite against real files, real gzip, real git
# repositories, real SQLite files, that server, and the real logarchive executable; then the S3
# suites once more against a second S3 server (moto), and the concurrency suites once more under
# Thread Sanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
swift build --build-tests

export LOGARCHIVE_TEST_SEAWEEDFS_DIR="${LOGARCHIVE_TEST_SEAWEEDFS_DIR:-${TMPDIR:-/tmp}/logarchive-seaweedfs}"
export LOGARCHIVE_TEST_MOTO_DIR="${LOGARCHIVE_TEST_MOTO_DIR:-${TMPDIR:-/tmp}/logarchive-moto}"
stop_servers() {
    bash scripts/seaweedfs.sh stop "$LOGARCHIVE_TEST_SEAWEEDFS_DIR"
    rm -rf "$LOGARCHIVE_TEST_SEAWEEDFS_DIR"
    bash scripts/moto.sh stop "$LOGARCHIVE_TEST_MOTO_DIR"
    rm -rf "$LOGARCHIVE_TEST_MOTO_DIR"
}
# A fresh server each run: the tests make a bucket each, and old ones would only pile up.
bash scripts/seaweedfs.sh stop "$LOGARCHIVE_TEST_SEAWEEDFS_DIR" >/dev/null 2>&1 || true
rm -rf "$LOGARCHIVE_TEST_SEAWEEDFS_DIR"
bash scripts/seaweedfs.sh start "$LOGARCHIVE_TEST_SEAWEEDFS_DIR" >/dev/null
trap stop_servers EXIT

LOGARCHIVE_TEST_S3_SERVER=seaweedfs swift test --skip-build "$@"

# The S3 suites again against moto, an independent S3 implementation, so that one server's habits
# are not mistaken for S3's (about 2.5 minutes). Skipped when arguments select tests;
# LOGARCHIVE_SKIP_SECOND_S3=1 skips it too.
if [ $# -eq 0 ] && [ "${LOGARCHIVE_SKIP_SECOND_S3:-0}" != 1 ]; then
    bash scripts/moto.sh stop "$LOGARCHIVE_TEST_MOTO_DIR" >/dev/null 2>&1 || true
    rm -rf "$LOGARCHIVE_TEST_MOTO_DIR"
    bash scripts/moto.sh start "$LOGARCHIVE_TEST_MOTO_DIR" >/dev/null
    LOGARCHIVE_TEST_S3_SERVER=moto swift test --skip-build --filter \
        'S3ArchiveTests|TransferTests|MultipartResumeTests|CrashMatrixTests/killedArchiveOnS3|ConcurrencyTests|PipelineTraceTests|ReadSearchTests|ReindexAllTests|StatusCleanupTests'
fi

# The concurrency suites again under Thread Sanitizer, in a build folder of their own. Skipped
# when arguments select tests (a developer's filtered run); LOGARCHIVE_SKIP_TSAN=1 skips it too.
if [ $# -eq 0 ] && [ "${LOGARCHIVE_SKIP_TSAN:-0}" != 1 ]; then
    swift build --build-tests --sanitize=thread --build-path .build-tsan
    swift test --skip-build --sanitize=thread --build-path .build-tsan \
        --filter 'LogWriterTests|TraceCollectorTests|ParallelGzipEncoderTests|CaptureTests'
fi
