#!/usr/bin/env bash
# The redactor against sed -E with the same patterns, on the same generated transcript JSONL.
#   scripts/bench-redact.sh [SIZE]   (default 200MB; the file is kept in /tmp/logarchive-bench-redact)
set -euo pipefail
size="${1:-200MB}"
dir=/tmp/logarchive-bench-redact
mkdir -p "$dir"
swift build -c release --product logarchive-bench-redact >/dev/null
bench="$(swift build -c release --show-bin-path)/logarchive-bench-redact"
input="$dir/transcript.jsonl"
[ -s "$input" ] || "$bench" --generate "$input" --size "$size"
echo "input: $(stat -c %s "$input") bytes, $(wc -l <"$input") lines"
"$bench" "$input" --runs 5
"$bench" "$input" --runs 1 --output "$dir/redacted.jsonl" >/dev/null
# The same rules as sed -E expressions (GNU sed: \b, and I for the case-insensitive ones).
patterns=(
  -e 's/\b(AKIA|ASIA)[0-9A-Z]{16}\b/[REDACTED:aws-access-key]/g'
  -e 's#(aws_secret_access_key["'"'"']?[ \t]*[=:][ \t]*["'"'"']?)[A-Za-z0-9/+=]{40,}#\1[REDACTED:aws-secret-key]#gI'
  -e 's/\bgh[pousr]_[A-Za-z0-9]{20,}/[REDACTED:github-token]/g'
  -e 's/\bgithub_pat_[A-Za-z0-9_]{20,}/[REDACTED:github-token]/g'
  -e 's/\bglpat-[A-Za-z0-9_-]{20,}/[REDACTED:gitlab-token]/g'
  -e 's/\bxox[abprs]-[A-Za-z0-9-]{10,}/[REDACTED:slack-token]/g'
  -e 's/\b[sr]k_(live|test)_[A-Za-z0-9]{16,}/[REDACTED:stripe-key]/g'
  -e 's/\bsk-ant-[A-Za-z0-9_-]{20,}/[REDACTED:anthropic-key]/g'
  -e 's/\bsk-[A-Za-z0-9_-]{20,}/[REDACTED:openai-key]/g'
  -e 's/\beyJ[A-Za-z0-9_-]{7,}\.eyJ[A-Za-z0-9_-]{7,}\.[A-Za-z0-9_-]{16,}/[REDACTED:jwt]/g'
  -e 's/-----BEGIN [A-Z ]*PRIVATE KEY-----[^"]*-----END [A-Z ]*PRIVATE KEY-----/[REDACTED:private-key]/g'
  -e 's#([A-Za-z0-9]://[^:@/ "]*:)[^@/ "\\]+@#\1[REDACTED:url-password]@#g'
  -e 's#(authorization["'"'"']?[ \t]*[=:][ \t]*["'"'"']?(bearer |basic |token )?)[A-Za-z0-9._~+/=-]{8,}#\1[REDACTED:authorization]#gI'
  -e 's#(\bbearer +)[A-Za-z0-9._~+/=-]{8,}#\1[REDACTED:bearer-token]#gI'
  -e 's/((password|secret|token)=["'"'"']?)[^ "'"'"'&,;\\]+/\1[REDACTED:secret-assignment]/gI'
)
bytes=$(stat -c %s "$input")
for locale in C.UTF-8 C; do
  start=$(date +%s.%N)
  # user+system seconds of sed alone (the cores are shared: the wall clock counts others too)
  cpu=$( { /usr/bin/time -f "%U %S" env LC_ALL=$locale sed -E "${patterns[@]}" "$input" >"$dir/sed-$locale.jsonl"; } 2>&1 | tail -1 | awk '{print $1 + $2}')
  end=$(date +%s.%N)
  echo "| sed -E, 15 expressions, LC_ALL=$locale | $(echo "($end - $start) * 1000 / 1" | bc) ms wall | $(echo "$cpu * 1000 / 1" | bc) ms CPU | $(echo "$bytes / 1000000 / $cpu" | bc) MB/s per core |"
done
echo "lines differing between the redactor and sed: $(diff "$dir/redacted.jsonl" "$dir/sed-C.jsonl" | grep -c '^<' || true)"
