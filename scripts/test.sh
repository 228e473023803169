#!/usr/bin/env bash
# The test command: installs what it needs, lints the CI files, builds, starts a real
# S3-compatible server (SeaweedFS on loopback), and runs the whole suite against real files, real
# gzip, real git repositories, real SQLite files, that server, the real logarchive executable, the
# packed release binary and the GitHub Action's scripts; then the S3 suites once more against a
# second S3 server (moto), and the concurrency suites once more under Thread Sanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
# The CI files (action.yml, the workflow of docs/ci.md) through actionlint and GitHub's schemas,
# the action's scripts through shellcheck: a few seconds, first, so a broken workflow fails fast.
bash scripts/lint.sh
swift build --build-tests

# The release tarball (scripts/release.sh, a release build with the Swift runtime linked in, in
# .build-release), which ReleaseTarballTests runs without any toolchain: a few minutes from a
# fresh clone (5 of CPU time; 10.5 on the clock with two other builds on the 2 cores), seconds
# when .build-release is kept. Skipped when arguments select tests;
# LOGARCHIVE_SKIP_RELEASE=1 skips it too (and with it that test).
if [ $# -eq 0 ] && [ "${LOGARCHIVE_SKIP_RELEASE:-0}" != 1 ]; then
    LOGARCHIVE_TEST_RELEASE_TARBALL="$(bash scripts/release.sh)"
    # The hostile-input suites run the release binary itself (Fixtures/ReleaseBinary.swift).
    LOGARCHIVE_TEST_RELEASE_BIN="$(swift build -c release --static-swift-stdlib --build-path \
        "${LOGARCHIVE_RELEASE_BUILD_PATH:-.build-release}" --show-bin-path)/logarchive"
    export LOGARCHIVE_TEST_RELEASE_TARBALL LOGARCHIVE_TEST_RELEASE_BIN
fi

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
# are not mistaken for S3's (about 5 minutes). Skipped when arguments select tests;
# LOGARCHIVE_SKIP_SECOND_S3=1 skips it too.
if [ $# -eq 0 ] && [ "${LOGARCHIVE_SKIP_SECOND_S3:-0}" != 1 ]; then
    bash scripts/moto.sh stop "$LOGARCHIVE_TEST_MOTO_DIR" >/dev/null 2>&1 || true
    rm -rf "$LOGARCHIVE_TEST_MOTO_DIR"
    bash scripts/moto.sh start "$LOGARCHIVE_TEST_MOTO_DIR" >/dev/null
    LOGARCHIVE_TEST_S3_SERVER=moto swift test --skip-build --filter \
        'S3ArchiveTests|S3ObjectOptionsTests|TransferTests|StreamedUploadTests|MultipartResumeTests|CrashMatrixTests/killedArchiveOnS3|ConcurrencyTests|PipelineTraceTests|ReadSearchTests|ReindexAllTests|StatusCleanupTests|HostileKeysTests|HostileLinksTests/onS3|HostileBoundsTests'
fi

# The concurrency suites again under Thread Sanitizer, in a build folder of their own. Skipped
# when arguments select tests (a developer's filtered run); LOGARCHIVE_SKIP_TSAN=1 skips it too.
if [ $# -eq 0 ] && [ "${LOGARCHIVE_SKIP_TSAN:-0}" != 1 ]; then
    swift build --build-tests --sanitize=thread --build-path .build-tsan
    swift test --skip-build --sanitize=thread --build-path .build-tsan \
        --filter 'LogWriterTests|TraceCollectorTests|ParallelGzipEncoderTests|DeflateJointTests|CaptureTests'
fi
