#!/usr/bin/env bash
# The action's first step: which logarchive to use and how to get it, before anything is installed.
# Outputs: version, mode (release: download the tarball; build: compile with swift), url (the
# tarball, for release), source (the folder or git tag to build, for build), directory (where the
# binary goes), binary, cache-key (version, OS, architecture and toolchain); and the binary's
# folder on the job's PATH ($GITHUB_PATH) for the steps after the action.
#
# Inputs (environment): INPUT_VERSION (empty: the action's own), INPUT_INSTALL (auto, release,
# build), INPUT_RELEASE_URL (the folder holding the tarballs; empty: the action repository's GitHub
# release v<version>), ACTION_REPOSITORY (empty: from GITHUB_ACTION_PATH), GITHUB_SERVER_URL,
# GITHUB_ACTION_PATH, RUNNER_TEMP.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"

action_path="${GITHUB_ACTION_PATH:-$(cd "$here/../.." && pwd)}"
own_version="$(source_version "$action_path")"
version="${INPUT_VERSION:-}"
version="${version#v}"
[ -n "$version" ] || version="$own_version"
case "$version" in
*[!0-9A-Za-z.+-]* | "")
    action_error "logarchive action" "version '$version' is not a version such as 0.1.0"
    exit 64
    ;;
esac
arch="$(machine_arch)"
tarball="logarchive-$version-linux-$arch.tar.gz"

repository="${ACTION_REPOSITORY:-${GITHUB_ACTION_REPOSITORY:-}}"
if [ -z "$repository" ]; then
    # Inside a composite action github.action_repository can be empty (actions/runner#2473); the
    # runner keeps a downloaded action at .../_actions/OWNER/NAME/REF[/subfolder].
    case "$action_path" in
    */_actions/*/*/*)
        rest="${action_path##*/_actions/}"
        repository="${rest%%/*}"
        rest="${rest#*/}"
        repository="$repository/${rest%%/*}"
        ;;
    esac
fi
release_url="${INPUT_RELEASE_URL:-}"
if [ -z "$release_url" ] && [ -n "$repository" ]; then
    release_url="${GITHUB_SERVER_URL:-https://github.com}/$repository/releases/download/v$version"
fi
release_url="${release_url%/}"

# The small .sha256 is fetched, not asked for with HEAD: GitHub redirects release assets to signed
# URLs that are signed for GET.
release_exists() {
    [ -n "$release_url" ] && command -v curl >/dev/null &&
        curl --silent --fail --location --output /dev/null --max-time 30 "$release_url/$tarball.sha256"
}

install="${INPUT_INSTALL:-auto}"
case "$install" in
release) mode=release ;;
build) mode=build ;;
auto) if release_exists; then mode=release; else mode=build; fi ;;
*)
    action_error "logarchive action" "install '$install' is not one of auto, release, build"
    exit 64
    ;;
esac
if [ "$mode" = release ] && [ -z "$release_url" ]; then
    action_error "logarchive action" "install: release needs release-url (the action's repository is not known here)"
    exit 64
fi

# What the binary depends on besides its version: the release tarball is one file for every
# runner of an architecture; a build depends on the toolchain and the system it was built on, and
# a build of the action's own folder on its source (a branch under test moves without a version).
os_id="$( (. /etc/os-release 2>/dev/null && echo "${ID:-linux}${VERSION_ID:-}") || echo linux)"
if [ "$mode" = release ]; then
    toolchain="release"
    source=""
else
    # Parsed in bash: a `| head` would end the pipe early, which pipefail counts as a failure.
    swift_output="$(swift --version 2>/dev/null || true)"
    swift_version=""
    if [[ "$swift_output" =~ Swift\ version\ ([0-9][0-9.]*) ]]; then swift_version="${BASH_REMATCH[1]}"; fi
    toolchain="$os_id-swift${swift_version:-none}"
    if [ "$version" = "$own_version" ]; then
        source="$action_path"
        tree="$(cd "$action_path" && find Package.swift Sources -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
        toolchain="$toolchain-src$tree"
    else
        source="v$version"
    fi
fi
directory="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/logarchive-$version-$toolchain"

action_output version "$version"
action_output mode "$mode"
action_output url "${release_url:+$release_url/$tarball}"
action_output source "$source"
action_output repository "$repository"
action_output directory "$directory"
action_output binary "$directory/bin/logarchive"
action_output cache-key "logarchive-$version-${RUNNER_OS:-$(uname -s)}-$arch-$toolchain"
# Later steps of the job run `logarchive status`, `read` and the like by name.
if [ -n "${GITHUB_PATH:-}" ]; then echo "$directory/bin" >>"$GITHUB_PATH"; fi
echo "logarchive $version: $mode${source:+ from $source}, cached as logarchive-$version-$arch-$toolchain"
