#!/usr/bin/env bash
# The action's main step: `logarchive <issue> --json …`, turned into step outputs and a job summary.
#
# Environment: LOGARCHIVE_BIN (the executable; default: logarchive on PATH), INPUT_ISSUE,
# INPUT_REASON, INPUT_STORE, INPUT_PUSH ('true'), INPUT_ARGS (more arguments, split on spaces and
# line breaks), INPUT_DOCTOR ('true': `logarchive doctor` first when the binary has it, with the
# same store, reason, issue, --push and those of the extra arguments it shares (--logs-dir,
# --config, --no-comment, --no-commit), and no archive if it finds a problem). Everything else (tokens, AWS_*, LOGARCHIVE_*) reaches
# logarchive as it is.
#
# Outputs: outcome (archived, partial, already_archived, no_logs, dry_run, reindexed, refused,
# failed, bad_input, doctor_failed), partial ('true' or 'false'), entry (the index entry as JSON,
# or null), exit-code, retry-command (for a partial archive). The step exits with logarchive's
# code, so a partial archive (3) fails the job, with the retry command in the job summary.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"

bin="${LOGARCHIVE_BIN:-logarchive}"
issue="${INPUT_ISSUE:-}"
reason="${INPUT_REASON:-}"
store="${INPUT_STORE:-}"

finish() {
    local outcome="$1" code="$2" entry="$3" retry="$4"
    action_output outcome "$outcome"
    action_output partial "$([ "$outcome" = partial ] && echo true || echo false)"
    action_output entry "$entry"
    action_output exit-code "$code"
    action_output retry-command "$retry"
    exit "$code"
}

common=()
[ -n "$store" ] && common+=(--store "$store")
extra=()
if [ -n "${INPUT_ARGS:-}" ]; then
    # -d '': every line of a multi-line `args:`, not the first alone.
    read -r -d '' -a extra <<<"$INPUT_ARGS" || true
fi

# A logarchive older than `doctor` says so with a warning, and the archive goes on.
if [ "${INPUT_DOCTOR:-false}" = true ] && ! "$bin" doctor --help >/dev/null 2>&1; then
    echo "::warning title=logarchive doctor::this logarchive ($("$bin" --version 2>/dev/null || echo "$bin")) has no doctor command: the setup check was skipped"
elif [ "${INPUT_DOCTOR:-false}" = true ]; then
    doctor=(doctor "${common[@]}")
    [ -n "$reason" ] && doctor+=(--reason "$reason")
    # The issue itself is read when it is a number (anything else is the archive's to refuse).
    [[ "$issue" =~ ^[0-9]+$ ]] && doctor+=(--issue "$issue")
    [ "${INPUT_PUSH:-false}" = true ] && doctor+=(--push)
    # The extra arguments doctor shares with the archive, so that it checks the same setup.
    for ((i = 0; i < ${#extra[@]}; i++)); do
        case "${extra[$i]}" in
        --logs-dir | --config)
            if [ $((i + 1)) -lt ${#extra[@]} ]; then
                doctor+=("${extra[$i]}" "${extra[$((i + 1))]}")
                i=$((i + 1))
            fi
            ;;
        --logs-dir=* | --config=* | --no-comment | --no-commit) doctor+=("${extra[$i]}") ;;
        esac
    done
    echo "::group::logarchive ${doctor[*]}"
    set +e
    "$bin" "${doctor[@]}"
    code=$?
    set -e
    echo "::endgroup::"
    if [ "$code" != 0 ]; then
        action_error "logarchive doctor" "the setup check failed (exit $code): see the step's log; nothing was archived"
        action_summary "### ✗ logarchive doctor found a problem" "" \
            "Nothing was archived for issue #$issue. The step's log shows each check with its fix."
        finish doctor_failed "$code" null ""
    fi
fi

arguments=("$issue" --json "${common[@]}")
[ -n "$reason" ] && arguments+=(--reason "$reason")
[ "${INPUT_PUSH:-false}" = true ] && arguments+=(--push)
[ ${#extra[@]} -gt 0 ] && arguments+=("${extra[@]}")

result="$(mktemp "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/logarchive-result.XXXXXX")"
trap 'rm -f "$result"' EXIT
echo "logarchive ${arguments[*]}"
set +e
"$bin" "${arguments[@]}" >"$result"
code=$?
set -e

# --json promises one object on stdout whatever happened; anything else (a crash) is a failure.
json="$(jq -cs 'if length == 1 and (.[0] | type) == "object" then .[0] else error("not one object") end' "$result" 2>/dev/null)" || json=""
if [ -z "$json" ]; then
    json='{}'
    [ "$code" = 0 ] && code=1
fi
field() { jq -r "$1 // empty" <<<"$json"; }
outcome="$(field .outcome)"
if [ -z "$outcome" ]; then
    case "$code" in
    0) outcome=archived ;;
    3) outcome=partial ;;
    4) outcome=refused ;;
    64) outcome=bad_input ;;
    *) outcome=failed ;;
    esac
fi
entry="$(jq -c '.entry // null' <<<"$json")"
retry="$(field .retry_command)"
error="$(field .error)"
[ -n "$error" ] || error="see the step log"
if [ "$code" = 3 ] && [ -z "$retry" ]; then retry="logarchive $issue --retry"; fi

# The job log: one line; the summary: what a person needs to act on.
logs_table() {
    jq -r '.entry.logs // [] | .[] | "| `\(.local_path)` | \(.type) | \(.upload_status) | \(.last_error // "" | gsub("\\|"; "\\|") | gsub("\n"; " ")) |"' <<<"$json"
}
# Each stage with what it did: a comment or push that was skipped or failed (a warning, the
# archive itself succeeded) is read here.
stages_table() {
    if [ "$(jq '.stages // [] | length' <<<"$json")" != 0 ]; then
        printf '%s\n' "" "| stage | status | detail |" "|---|---|---|"
        jq -r '.stages[] | "| \(.name) | \(.status) | \(.detail | gsub("\\|"; "\\|") | gsub("\n"; " ")) |"' <<<"$json"
    fi
}
case "$code" in
0)
    echo "logarchive: $outcome (issue #$issue)"
    action_summary "### ✓ logarchive: issue #$issue $outcome" ""
    if [ "$entry" != null ]; then
        action_summary "$(jq -r '.entry | "\(.total_logs) logs, \(.total_size_bytes) bytes stored in \(.logs[0].cloud_url // "the store" | sub("/[^/]*$"; "/"))"' <<<"$json")"
    fi
    action_summary "$(stages_table)"
    ;;
3)
    action_error "Partial archive" "issue #$issue: some logs did not reach the store; local logs are kept and nothing was committed. Re-run the job, or run: $retry"
    action_summary "### ⚠ logarchive: partial archive for issue #$issue (exit 3)" "" \
        "Some logs did not reach the store after the retries. Every local log was kept, and neither the index commit nor the comment was made." "" \
        "| log | type | status | error |" "|---|---|---|---|" "$(logs_table)" "" \
        "**Re-run this job** (Re-run failed jobs) to finish it, or on a machine that kept the partial entry:" "" \
        '```sh' "$retry" '```' "$(stages_table)"
    ;;
*)
    action_error "logarchive: $outcome" "issue #$issue, exit $code: $error"
    action_summary "### ✗ logarchive: $outcome for issue #$issue (exit $code)" "" "$error"
    ;;
esac
finish "$outcome" "$code" "$entry" "$retry"
