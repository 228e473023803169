#!/usr/bin/env bash
# The test command: installs what it needs, builds, starts a real S3-compatible server
# (SeaweedFS on loopback), and runs the whole suite against real files, real gzip, real git
# repositories, real SQLite files, that server, and the real logarchive executable; then the
# concurrency suites once more under Thread Sanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
swift build --build-tests

export LOGARCHIVE_TEST_SEAWEEDFS_DIR="${LOGARCHIVE_TEST_SEAWEEDFS_DIR:-${TMPDIR:-/tmp}/logarchive-seaweedfs}"
# A fresh server each run: the tests make a bucket each, and old ones would only pile up.
bash scripts/seaweedfs.sh stop "$LOGARCHIVE_TEST_SEAWEEDFS_DIR" >/dev/null 2>&1 || true
rm -rf "$LOGARCHIVE_TEST_SEAWEEDFS_DIR"
bash scripts/seaweedfs.sh start "$LOGARCHIVE_TEST_SEAWEEDFS_DIR" >/dev/null
trap 'bash scripts/seaweedfs.sh stop "$LOGARCHIVE_TEST_SEAWEEDFS_DIR"; rm -rf "$LOGARCHIVE_TEST_SEAWEEDFS_DIR"' EXIT

swift test --skip-build "$@"

# The concurrency suites again under Thread Sanitizer, in a build folder of their own. Skipped
# when arguments select tests (a developer's filtered run); LOGARCHIVE_SKIP_TSAN=1 skips it too.
if [ $# -eq 0 ] && [ "${LOGARCHIVE_SKIP_TSAN:-0}" != 1 ]; then
    swift build --build-tests --sanitize=thread --build-path .build-tsan
    swift test --skip-build --sanitize=thread --build-path .build-tsan \
        --filter 'LogWriterTests|TraceCollectorTests|ParallelGzipEncoderTests|CaptureTests'
fi
