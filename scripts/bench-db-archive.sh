#!/usr/bin/env bash
# Time and peak memory of `logarchive db-archive` (read, redact, gzip, verify, purge) against
# `sqlite3 -json | gzip -6` (read and gzip only) on the same agent_logs table, in the same run.
# Usage: scripts/bench-db-archive.sh [ROWS] (default 1000000). RUNS=N repeats each side N times.
# The generated database is kept in $BENCH_DIR (default /var/tmp/logarchive-bench-db) for the next run.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
rows="${1:-1000000}"
runs="${RUNS:-1}"
cd "$repo"
bash scripts/setup.sh
swift build -c release >/dev/null
bin="$(swift build -c release --show-bin-path)/logarchive"

dir="${BENCH_DIR:-${TMPDIR:-/var/tmp}/logarchive-bench-db}"
mkdir -p "$dir"
db="$dir/agent_logs-$rows.db"
if [ ! -f "$db" ]; then
    echo "generating $rows rows in $db" >&2
    # Log-like text from a few dozen phrases picked per row, with numbers and ids that vary:
    # about 200-400 bytes of text a row, compressible as real agent logs are.
    sqlite3 "$db.part" >/dev/null <<SQL
PRAGMA journal_mode=WAL;
CREATE TABLE agent_logs(id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, session_id TEXT, level TEXT,
  message TEXT, prompt_text TEXT, tokens INTEGER, duration_ms REAL);
CREATE INDEX agent_logs_created_at ON agent_logs(created_at);
CREATE TEMP TABLE phrase(k INTEGER PRIMARY KEY, text TEXT);
INSERT INTO phrase(text) VALUES
 ('tool call read_file path=Sources/App/Session.swift'), ('compiling module AuthMiddleware'),
 ('running swift test --filter SessionTests'), ('git diff --stat shows 3 files changed'),
 ('retrying request after 503 from api.example.com'), ('cache miss for key user:profile'),
 ('wrote 14 lines to docs/architecture.md'), ('tool call grep pattern="TODO" in Sources/'),
 ('assistant proposed a patch to RateLimiter.swift'), ('build succeeded with 2 warnings'),
 ('test failed: expected 200, got 401 in LoginTests'), ('opened pull request draft for review'),
 ('token budget at 61 percent of the context window'), ('summarising the previous 40 messages'),
 ('database migration 0042_add_index applied'), ('timeout waiting for the preview deployment');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rows)
INSERT INTO agent_logs(id, created_at, session_id, level, message, prompt_text, tokens, duration_ms)
SELECT i,
  strftime('%Y-%m-%dT%H:%M:%fZ', '2025-01-01', '+' || (i * 2.7) || ' seconds'),
  'sess-' || (i / 500) || '-' || substr(hex(randomblob(4)), 1, 8),
  CASE i % 17 WHEN 0 THEN 'error' WHEN 1 THEN 'warn' WHEN 2 THEN 'debug' ELSE 'info' END,
  (SELECT text FROM phrase WHERE k = 1 + i % 16) || '; ' || (SELECT text FROM phrase WHERE k = 1 + (i * 7 / 3) % 16)
    || ' (step ' || (i % 977) || ', ' || (i * 13 % 9001) || ' ms, request ' || lower(hex(randomblob(6))) || ')'
    || CASE WHEN i % 5 = 0 THEN '; ' || (SELECT text FROM phrase WHERE k = 1 + (i * 11) % 16) ELSE '' END,
  'Please look at issue #' || (i % 4000) || ' and ' || (SELECT text FROM phrase WHERE k = 1 + (i * 5) % 16)
    || '; keep the public API unchanged and add a test for the failing case ' || (i % 313) || '.',
  100 + (i * 37) % 8000,
  (i % 10000) / 7.0
FROM n;
SQL
    mv "$db.part" "$db"
fi
echo "database: $db ($(du -m "$db" | cut -f1) MB, $rows rows), $(nproc) cores, $runs run(s) each" >&2

copy="$dir/copy.db"
out="$dir/out"
mkdir -p "$out"
measure() { # label, command...
    local label="$1"
    shift
    for _ in $(seq "$runs"); do
        rm -rf "$copy" "$copy-wal" "$copy-shm" "$out"/*
        cp "$db" "$copy"
        sync
        /usr/bin/time -f "$label: %e s wall, %M KB peak RSS" "$@" 2>&1 >/dev/null | grep "^$label:"
    done
}
measure "sqlite3 -json | gzip -6" sh -c "sqlite3 -json '$copy' 'SELECT * FROM agent_logs' | gzip -6 > '$out/agent_logs.json.gz'"
echo "  output: $(du -k "$out/agent_logs.json.gz" | cut -f1) KB" >&2
measure "logarchive db-archive --threshold 0" "$bin" db-archive "$copy" --threshold 0 --archive-dir "$out"
echo "  output: $(du -k "$out"/agent_logs_*.json.gz | cut -f1) KB; rows left: $(sqlite3 "$copy" 'SELECT COUNT(*) FROM agent_logs')" >&2
rm -rf "$copy" "$copy-wal" "$copy-shm" "$out"
