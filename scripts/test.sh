#!/usr/bin/env bash
# The test command: installs what it needs, builds, and runs the whole suite against real files,
# real gzip, real git repositories and the real logarchive executable.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
swift build --build-tests
swift test --skip-build "$@"
