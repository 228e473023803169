#!/usr/bin/env bash
# Checks the CI files with tools nobody here wrote, for the test command (scripts/test.sh):
# - action.yml against GitHub's action schema, and the CI workflow of docs/ci.md
#   (docs/examples/archive-logs.yml) against the workflow schema (check-jsonschema's vendored copies);
# - actionlint on that workflow as users copy it, on the same workflow calling this folder's
#   action (`uses: ./`, so the inputs it passes are checked against action.yml), and on
#   action.yml's own steps as a workflow (node20 actions, expressions, shellcheck of each run:);
# - the release workflow (.github/workflows/release.yml) against the workflow schema and actionlint;
# - shellcheck on the action's and the release's scripts;
# - docs/ci.md shows exactly the workflow file.
# `bash scripts/lint.sh [ROOT]` checks the files under ROOT (default: this repository); the tests
# run it on broken copies to see each check fail. scripts/setup.sh installs the tools.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "${1:-$here/..}" && pwd)"
workflow="docs/examples/archive-logs.yml"

for tool in actionlint check-jsonschema shellcheck python3; do
    command -v "$tool" >/dev/null || { echo "lint: $tool is not installed: run scripts/setup.sh" >&2; exit 1; }
done

scratch="$(mktemp -d "${TMPDIR:-/tmp}/logarchive-lint.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
failed=0
check() {
    local label="$1"
    shift
    if output="$("$@" 2>&1)"; then
        echo "lint: ok: $label"
    else
        echo "lint: FAILED: $label" >&2
        printf '%s\n' "$output" >&2
        failed=1
    fi
}

cd "$root"
check "action.yml matches GitHub's action schema" \
    check-jsonschema --builtin-schema vendor.github-actions action.yml
check "$workflow matches GitHub's workflow schema" \
    check-jsonschema --builtin-schema vendor.github-workflows "$workflow"
check "actionlint $workflow" actionlint "$workflow"
release=".github/workflows/release.yml"
check "$release matches GitHub's workflow schema" \
    check-jsonschema --builtin-schema vendor.github-workflows "$release"
check "actionlint $release" actionlint "$release"

# A project holding the action and the workflow calling it as `./`. actionlint reads local
# actions only inside a git repository, so it is one.
mkdir -p "$scratch/project/.github/workflows"
git init -q "$scratch/project"
cp action.yml "$scratch/project/"
sed 's#uses: OWNER/logarchive@v1#uses: ./#' "$workflow" >"$scratch/project/.github/workflows/archive-logs.yml"
# shellcheck disable=SC2317 # called through check
actionlint_in_project() { (cd "$scratch/project" && actionlint "$@"); }
if python3 "$here/action/action_as_workflow.py" action.yml >"$scratch/project/.github/workflows/action-steps.yml"; then
    check "actionlint: the workflow's inputs against action.yml" \
        actionlint_in_project .github/workflows/archive-logs.yml
    check "actionlint: action.yml's steps" \
        actionlint_in_project .github/workflows/action-steps.yml
else
    echo "lint: FAILED: action.yml cannot be read as a composite action" >&2
    failed=1
fi

check "shellcheck scripts/action/*.sh scripts/release.sh scripts/lint.sh" \
    shellcheck -x -P SCRIPTDIR scripts/action/*.sh scripts/release.sh scripts/lint.sh

# docs/ci.md's first yaml block is the workflow file, byte for byte.
awk '/^```yaml$/ { inside = 1; next } inside && /^```$/ { exit } inside { print }' docs/ci.md >"$scratch/ci.md.yml"
check "docs/ci.md shows $workflow as it is" diff -u "$workflow" "$scratch/ci.md.yml"

exit "$failed"
