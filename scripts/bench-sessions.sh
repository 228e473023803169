#!/usr/bin/env bash
# `sessions import` of N small Claude Code sessions (default 10,000; 12 lines each, one branch
# per 100 sessions) in a sandboxed HOME, first import and re-import, and one hook call.
#   scripts/bench-sessions.sh [N] [LOGARCHIVE]   (LOGARCHIVE: the binary, default the release build)
set -euo pipefail
count="${1:-10000}"
bin="${2:-$(swift build -c release --show-bin-path)/logarchive}"
dir=$(mktemp -d /tmp/logarchive-bench-sessions.XXXXXX)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/repo/.git" "$dir/repo/logs/sessions" "$dir/home/.claude/projects/-repo"
python3 - "$dir" "$count" <<'PY'
import json, sys, uuid
root, count = sys.argv[1], int(sys.argv[2])
for n in range(count):
    sid = str(uuid.UUID(int=(n + 1) * 0x9E3779B97F4A7C15 % (1 << 128)))
    with open(f"{root}/home/.claude/projects/-repo/{sid}.jsonl", "w") as f:
        for i in range(12):
            f.write(json.dumps({"parentUuid": None, "cwd": f"{root}/repo", "sessionId": sid, "gitBranch": f"{n // 100 + 1}-work",
                "type": "user" if i % 2 == 0 else "assistant", "uuid": str(uuid.uuid4()),
                "timestamp": f"2026-12-07T10:00:{i:02d}.000Z", "message": {"role": "user", "content": "run the tests " * 8}}) + "\n")
PY
echo "sessions: $count, bytes: $(du -sb "$dir/home/.claude/projects" | cut -f1)"
cd "$dir/repo"
for run in first again; do
  /usr/bin/time -f "$run import: %e s wall, %U s user, %S s sys, %M KB max RSS" env HOME="$dir/home" "$bin" sessions import >/dev/null
done
echo "files: $(ls logs/sessions | wc -l)"
transcript=$(find "$dir/home/.claude/projects/-repo" -name "*.jsonl" -print -quit)
printf '{"session_id":"x","transcript_path":"%s","cwd":"%s/repo","hook_event_name":"SessionEnd"}' "$transcript" "$dir" \
  | /usr/bin/time -f "hook claude: %e s wall, %U s user, %S s sys" env HOME="$dir/home" "$bin" hook claude
