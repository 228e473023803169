#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers of untrusted input with libFuzzer (not part of the test
# command): builds the fuzz package in Fuzz/ (its own scratch path, Fuzz/.build, with
# libFuzzer's coverage, AddressSanitizer and testable imports), then runs each target for
# SECONDS_PER_TARGET (default 60) on a copy of its seed corpus, Fuzz/Corpus/<target>, so the
# committed corpus does not grow. Prints per target the executions, exec/s, final cov/ft and
# corpus size, and whether it found a crash, timeout (> 2 s), leak or out-of-memory; exits
# non-zero if any did, with the path of the input that reproduces it.
#
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET]
#   LOGARCHIVE_FUZZ_TARGETS="fuzz-index fuzz-github" bash scripts/fuzz.sh 30   # some targets only
#   LOGARCHIVE_FUZZ_KEEP=1 bash scripts/fuzz.sh                                # keep grown corpora
#
# Reproduce a finding with: SWIFT_BACKTRACE=enable=no Fuzz/.build/release/<target> <crash-file>
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
targets=(${LOGARCHIVE_FUZZ_TARGETS:-fuzz-index fuzz-s3-xml fuzz-github fuzz-front-matter})

# The dictionary of tokens each target's mutations splice in.
dictionary() {
    case "$1" in
        fuzz-index) echo Fuzz/Dictionaries/json.dict ;;
        fuzz-s3-xml) echo Fuzz/Dictionaries/s3-xml.dict ;;
        fuzz-github) echo Fuzz/Dictionaries/github.dict ;;
        fuzz-front-matter) echo Fuzz/Dictionaries/front-matter.dict ;;
    esac
}

bash scripts/setup.sh

# Release, so the fuzzer spends its time in optimized parser code; -enable-testing so the
# targets' `@testable import LogArchive` reaches the internal parsers. SwiftPM compiles the
# single-file executables with -parse-as-library itself, and libFuzzer supplies `main`.
# `--sanitize=fuzzer` makes SwiftPM leave `main` to libFuzzer (without it each target gets an
# empty `main` of its own, and runs nothing). The sanitizers themselves come from one
# `-Xswiftc -sanitize=fuzzer,address`, which SwiftPM passes last: swiftc keeps only the last
# -sanitize= it is given, and `--sanitize=fuzzer --sanitize=address` reach it in no fixed order,
# so some builds of that had no coverage instrumentation at all.
build_start=$SECONDS
swift build --package-path Fuzz --scratch-path Fuzz/.build -c release \
    --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing
echo "fuzz: build took $((SECONDS - build_start)) s"
bin=Fuzz/.build/release

work="$(mktemp -d "${TMPDIR:-/tmp}/logarchive-fuzz.XXXXXX")"
echo "fuzz: working in $work, $seconds s per target"

# Swift's own crash handler would catch a trap before libFuzzer does, and its memory reader then
# trips AddressSanitizer (a bogus global-buffer-overflow in CrashHandlerLinux.cpp) instead of
# the real report: libFuzzer's handler names the failing line and saves the input.
export SWIFT_BACKTRACE=enable=no
# Leak checking stays on: LeakSanitizer checks after inputs that allocated more than they freed,
# and the runtime's caches and Foundation's singletons stay reachable: no leak was reported in
# the runs docs/reliability.md gives (pass -detect_leaks=0 by hand if one ever comes from them).
summary=()
found=0
for target in "${targets[@]}"; do
    dir="$work/$target"
    mkdir -p "$dir/corpus" "$dir/artifacts"
    cp Fuzz/Corpus/"$target"/* "$dir/corpus/"
    start=$SECONDS
    status=0
    "$bin/$target" "$dir/corpus" \
        -max_total_time="$seconds" -timeout=2 -rss_limit_mb=2048 -max_len=65536 \
        -dict="$(dictionary "$target")" -artifact_prefix="$dir/artifacts/" \
        -print_final_stats=1 >"$dir/fuzz.log" 2>&1 || status=$?
    ran=$((SECONDS - start))

    # The last status line (`#N  DONE cov: C ft: F corp: U/SIZE ...`) and the final statistics.
    last="$(grep -E '^#[0-9]+' "$dir/fuzz.log" | tail -n 1 || true)"
    cov="$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")"
    ft="$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")"
    corp="$(sed -nE 's/.* corp: ([0-9]+\/[0-9A-Za-z]+).*/\1/p' <<<"$last")"
    execs="$(sed -nE 's/^stat::number_of_executed_units: +([0-9]+)/\1/p' "$dir/fuzz.log")"
    rate="$(sed -nE 's/^stat::average_exec_per_sec: +([0-9]+)/\1/p' "$dir/fuzz.log")"
    rss="$(sed -nE 's/^stat::peak_rss_mb: +([0-9]+)/\1/p' "$dir/fuzz.log")"

    artifacts=("$dir"/artifacts/{crash,timeout,leak,oom}-*)
    artifacts=($(ls -d "${artifacts[@]}" 2>/dev/null || true))
    if [ -z "$execs" ] || [ -z "$cov" ]; then
        found=1
        result="DID NOT FUZZ (exit $status, no libFuzzer statistics): see $dir/fuzz.log"
    elif [ "$status" -ne 0 ] || ((${#artifacts[@]})); then
        found=1
        result="FOUND (exit $status): $(grep -m1 -E '^==[0-9]+==ERROR|^Fatal error|ERROR: libFuzzer|deadly signal|timeout after' "$dir/fuzz.log" || echo "see $dir/fuzz.log")"
    else
        result="no crash, timeout, leak or OOM"
    fi
    line="$(printf '%-18s %4ss  execs %-10s %6s exec/s  cov %-5s ft %-6s corpus %-10s peak %s MB  %s' \
        "$target" "$ran" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "${rss:-?}" "$result")"
    echo "fuzz: $line"
    for artifact in "${artifacts[@]}"; do
        echo "fuzz:   input: $artifact   (reproduce: SWIFT_BACKTRACE=enable=no $bin/$target $artifact; log: $dir/fuzz.log)"
    done
    summary+=("$line")
done

echo
echo "fuzz: summary ($(date -u +%Y-%m-%d), $seconds s per target)"
printf '  %s\n' "${summary[@]}"
if [ "$found" -ne 0 ]; then
    echo "fuzz: a target found a defect; inputs and logs are kept in $work" >&2
    exit 1
fi
if [ "${LOGARCHIVE_FUZZ_KEEP:-0}" = 1 ]; then
    echo "fuzz: grown corpora kept in $work"
else
    rm -rf "$work"
fi
