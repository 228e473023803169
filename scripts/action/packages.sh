#!/usr/bin/env bash
# The system packages the action needs, installed only when missing (GitHub's Ubuntu runners
# already have most). `release`: what the downloaded binary links (libcurl, zlib, SQLite; the
# Swift runtime is inside it) and what the steps use (curl, tar, git, jq). `build`: the
# development files that Package.swift's system-library targets need, as scripts/setup.sh
# installs them, plus the same tools. Debian and Ubuntu only (apt-get); elsewhere it says what
# is missing.
set -euo pipefail
mode="${1:-release}"

need=()
# Read once, matched in bash: `ldconfig -p | grep -q` fails under pipefail when grep stops early.
libraries="$(ldconfig -p 2>/dev/null || true)"
have_library() { [[ "$libraries" == *"$1 ("* ]]; }
command -v git >/dev/null || need+=(git)
command -v jq >/dev/null || need+=(jq)
command -v curl >/dev/null || need+=(curl)
[ -f /etc/ssl/certs/ca-certificates.crt ] || need+=(ca-certificates)
case "$mode" in
release)
    # apt resolves libcurl4 to libcurl4t64 on Ubuntu 24.04 and later.
    have_library libcurl.so.4 || need+=(libcurl4)
    have_library libz.so.1 || need+=(zlib1g)
    have_library libsqlite3.so.0 || need+=(libsqlite3-0)
    ;;
build)
    pkg-config --exists libcurl 2>/dev/null || need+=(libcurl4-openssl-dev)
    pkg-config --exists zlib 2>/dev/null || need+=(zlib1g-dev)
    pkg-config --exists libdeflate 2>/dev/null || need+=(libdeflate-dev)
    pkg-config --exists sqlite3 2>/dev/null || need+=(libsqlite3-dev)
    command -v pkg-config >/dev/null || need+=(pkg-config)
    ;;
*)
    echo "packages.sh: mode '$mode' is not release or build" >&2
    exit 64
    ;;
esac

if ((${#need[@]} == 0)); then
    echo "system packages: all present"
    exit 0
fi
if ! command -v apt-get >/dev/null; then
    echo "::error title=logarchive action::missing ${need[*]}, and no apt-get to install them: install them before this step"
    exit 1
fi
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
echo "system packages: installing ${need[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
