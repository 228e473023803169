#!/usr/bin/env bash
# On a cache miss: puts logarchive at $DIRECTORY/bin/logarchive, from the release tarball
# (checked against its SHA-256) or built from source, as resolve.sh decided.
#
# Environment: MODE (release, build), VERSION, URL (the tarball; http(s) or file://), SOURCE (a
# folder, or a tag v<version> cloned from REPOSITORY), DIRECTORY, INPUT_SHA256 (optional: the
# tarball's expected SHA-256, which then overrides the .sha256 published beside it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"
: "${MODE:?}" "${VERSION:?}" "${DIRECTORY:?}"

fail() {
    action_error "logarchive action" "$1"
    exit 1
}

scratch="$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/logarchive-install.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$DIRECTORY/bin"

case "$MODE" in
release)
    : "${URL:?}"
    name="${URL##*/}"
    echo "downloading $URL"
    curl --silent --show-error --fail --location --retry 3 --max-time 300 --output "$scratch/$name" "$URL" ||
        fail "cannot download $URL"
    expected="${INPUT_SHA256:-}"
    if [ -z "$expected" ]; then
        curl --silent --show-error --fail --location --retry 3 --max-time 60 --output "$scratch/$name.sha256" "$URL.sha256" ||
            fail "cannot download $URL.sha256"
        expected="$(cut -d' ' -f1 "$scratch/$name.sha256")"
    fi
    expected="${expected#sha256:}"
    actual="$(sha256sum "$scratch/$name" | cut -d' ' -f1)"
    if [ "$actual" != "$expected" ]; then
        fail "$name has SHA-256 $actual, expected $expected: not installed"
    fi
    echo "SHA-256 verified: $actual"
    tar -xzf "$scratch/$name" -C "$scratch"
    found="$(find "$scratch" -mindepth 2 -maxdepth 3 -type f -name logarchive -perm -u+x -print -quit)"
    [ -n "$found" ] || fail "$name holds no logarchive executable"
    install -m 0755 "$found" "$DIRECTORY/bin/logarchive"
    ;;
build)
    : "${SOURCE:?}"
    command -v swift >/dev/null ||
        fail "no swift on PATH to build logarchive $VERSION: run the job in a swift container, install Swift first, or use install: release"
    if [ -d "$SOURCE" ]; then
        package="$SOURCE"
    else
        : "${REPOSITORY:?the repository to clone $SOURCE from is not known}"
        git clone --quiet --depth 1 --branch "$SOURCE" "${GITHUB_SERVER_URL:-https://github.com}/$REPOSITORY" "$scratch/source"
        package="$scratch/source"
    fi
    # The build folder is the scratch one, so a read-only action folder is fine.
    swift build -c release --product logarchive --package-path "$package" --build-path "$scratch/build"
    install -m 0755 "$(swift build -c release --package-path "$package" --build-path "$scratch/build" --show-bin-path)/logarchive" \
        "$DIRECTORY/bin/logarchive"
    ;;
*)
    fail "mode '$MODE' is not release or build"
    ;;
esac

"$DIRECTORY/bin/logarchive" --version
