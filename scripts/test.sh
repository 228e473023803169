#!/usr/bin/env bash
# The test command: installs what it needs, builds, starts a real S3-compatible server
# (SeaweedFS on loopback), and runs the whole suite against real files, real gzip, real git
# repositories, that server, and the real logarchive executable.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
swift build --build-tests

export LOGARCHIVE_TEST_SEAWEEDFS_DIR="${LOGARCHIVE_TEST_SEAWEEDFS_DIR:-${TMPDIR:-/tmp}/logarchive-seaweedfs}"
bash scripts/seaweedfs.sh start "$LOGARCHIVE_TEST_SEAWEEDFS_DIR" >/dev/null
trap 'bash scripts/seaweedfs.sh stop "$LOGARCHIVE_TEST_SEAWEEDFS_DIR"' EXIT

swift test --skip-build "$@"
