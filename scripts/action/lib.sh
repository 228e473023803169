# shellcheck shell=bash
# Helpers for the action's steps (sourced, not run): GitHub's output, summary and annotation files.
# Outside Actions (a developer, the tests) the files may be unset; outputs then go to stderr.

# One value for $GITHUB_OUTPUT, in the heredoc form so that any text (JSON with newlines
# included) is one value; the delimiter is random so the value cannot end it early.
action_output() {
    local name="$1" value="$2" delimiter
    delimiter="LOGARCHIVE_$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')"
    if [ -n "${GITHUB_OUTPUT:-}" ]; then
        printf '%s<<%s\n%s\n%s\n' "$name" "$delimiter" "$value" "$delimiter" >>"$GITHUB_OUTPUT"
    else
        printf 'output %s=%s\n' "$name" "$value" >&2
    fi
}

# Markdown lines for the job summary.
action_summary() {
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
        printf '%s\n' "$@" >>"$GITHUB_STEP_SUMMARY"
    fi
}

# An error annotation (shown on the run's page) with a title.
action_error() {
    local title="$1" message="$2"
    # Workflow commands end at a newline and treat % specially: encode both.
    message="${message//'%'/'%25'}"
    message="${message//$'\r'/'%0D'}"
    message="${message//$'\n'/'%0A'}"
    printf '::error title=%s::%s\n' "$title" "$message"
}

# The version in the source tree at $1 (Sources/LogArchive/LogArchiveVersion.swift).
source_version() {
    sed -n 's/.*static let current = "\([^"]*\)".*/\1/p' "$1/Sources/LogArchive/LogArchiveVersion.swift"
}

# The machine name used in release tarball names: x86_64, aarch64.
machine_arch() {
    uname -m
}
