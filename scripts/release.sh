#!/usr/bin/env bash
# Builds the release binary and packs it for the GitHub release and the action:
#   dist/logarchive-<version>-linux-<arch>.tar.gz   logarchive-<version>-linux-<arch>/{logarchive,README.md}
#   dist/logarchive-<version>-linux-<arch>.tar.gz.sha256   (`sha256sum -c` reads it)
# The Swift standard library and Foundation are linked in (--static-swift-stdlib), so the binary
# needs no Swift toolchain, only the system's libcurl, zlib, SQLite and glibc (as new as the
# build machine's). The version is Sources/LogArchive/LogArchiveVersion.swift's.
#
# Environment: LOGARCHIVE_RELEASE_BUILD_PATH (default .build-release; kept between runs, so a
# second run only relinks), LOGARCHIVE_RELEASE_DIST (default dist). Prints the tarball's path last.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
# shellcheck source=action/lib.sh
. scripts/action/lib.sh

version="$(source_version "$repo")"
[ -n "$version" ] || { echo "release: no version in Sources/LogArchive/LogArchiveVersion.swift" >&2; exit 1; }
arch="$(machine_arch)"
name="logarchive-$version-linux-$arch"
build_path="${LOGARCHIVE_RELEASE_BUILD_PATH:-.build-release}"
dist="${LOGARCHIVE_RELEASE_DIST:-dist}"

flags=(-c release --static-swift-stdlib --build-path "$build_path")
swift build "${flags[@]}" --product logarchive >&2
binary="$(swift build "${flags[@]}" --show-bin-path)/logarchive"

# The promise of the tarball: no Swift library is loaded from the system.
if ldd "$binary" | grep -i 'libswift\|libFoundation\|libdispatch\|libBlocksRuntime' >&2; then
    echo "release: $binary still links the Swift runtime dynamically" >&2
    exit 1
fi

mkdir -p "$dist"
dist="$(cd "$dist" && pwd)"
staging="$(mktemp -d "${TMPDIR:-/tmp}/logarchive-release.XXXXXX")"
trap 'rm -rf "$staging"' EXIT
mkdir "$staging/$name"
install -m 0755 "$binary" "$staging/$name/logarchive"
# Debug info is a sixth of the binary; the symbols stay, for backtraces.
if command -v strip >/dev/null; then strip --strip-debug "$staging/$name/logarchive"; fi
install -m 0644 README.md "$staging/$name/README.md"
"$staging/$name/logarchive" --version >&2

# The same bytes for the same binary: fixed order, owner and time, and no name or time in the gzip header.
epoch="$(git log -1 --format=%ct 2>/dev/null || echo 0)"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -C "$staging" -cf - "$name" |
    gzip -n -9 >"$dist/$name.tar.gz.tmp"
mv "$dist/$name.tar.gz.tmp" "$dist/$name.tar.gz"
(cd "$dist" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
echo "release: $(cut -d' ' -f1 "$dist/$name.tar.gz.sha256")  $(du -h "$dist/$name.tar.gz" | cut -f1)" >&2
echo "$dist/$name.tar.gz"
