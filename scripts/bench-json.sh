#!/usr/bin/env bash
# The index's JSON parse and write against jq, python's json and Foundation's JSONSerialization, in
# the same run, on one generated index shard of about SIZE_MB MB (default 16, the design's largest
# index file): schema_version, last_updated and entries sorted by issue_number descending, each
# with about 5 logs. Prints a markdown table: best and median wall time of 10 runs, MB/s of the file
# (1 MB = 10^6 bytes). jq goes through hyperfine (process start included, a few ms); python and
# Swift time in-process, with the file already in memory.
# Usage: scripts/bench-json.sh [SIZE_MB]   (BUILD_PATH=.build-json to reuse another scratch path)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
megabytes="${1:-16}"
runs=10
build_path="${BUILD_PATH:-.build}"
for tool in jq hyperfine python3; do
    command -v "$tool" >/dev/null || { echo "bench-json: $tool is needed (apt-get install -y $tool)" >&2; exit 1; }
done
cd "$repo"
swift build -c release --scratch-path "$build_path" --product logarchive-bench-json >/dev/null
bench="$(swift build -c release --scratch-path "$build_path" --show-bin-path)/logarchive-bench-json"
work="$(mktemp -d "${TMPDIR:-/var/tmp}/logarchive-json.XXXXXX")"
trap 'rm -rf "$work"' EXIT
index="$work/index.json"

# The same bytes on every run, written as logarchive writes the index (two-space indent, keys in the
# schema's order, derived totals as ArchiveEntry computes them), so a rewrite gives the file back.
python3 - "$index" "$megabytes" <<'PY'
import json, math, random, sys
path, target = sys.argv[1], int(float(sys.argv[2]) * 1_000_000)
random.seed(11)
folders = {"session": "sessions", "build": "builds", "deployment": "deployments", "debug": "debug"}
reasons = ["issue_closed", "pr_merged", "manual"]
words = ("flaky test in the upload path retry budget exhausted index shard migration crash safe "
         "rotation gzip checksum mismatch \"quoted\" naïve café résumé 🚀 build deploy staging").split()
def stamp(day, second):
    return f"2025-{1 + day // 28:02d}-{1 + day % 28:02d}T{second // 3600 % 24:02d}:{second // 60 % 60:02d}:{second % 60:02d}Z"
def log(issue, kind, n, day):
    original = random.randint(1_000, 50_000_000)
    compressed = random.random() < 0.9
    size = int(original * random.uniform(0.08, 0.4)) if compressed else original
    name = f"{issue}-{kind}-{n}.log"
    key = f"archive/logs/2025/{1 + day // 28:02d}/{issue}/{name}" + (".gz" if compressed else "")
    status = random.choices(["uploaded", "failed", "pending", "retrying"], [90, 5, 3, 2])[0]
    return {
        "type": kind, "filename": name, "local_path": f"logs/{folders[kind]}/{name}", "remote_path": key,
        "cloud_url": f"s3://agent-logs/{key}", "public_url": None if random.random() < 0.8 else f"https://logs.example.com/{key}",
        "size_bytes": size, "original_size_bytes": original, "compressed": compressed,
        "checksum": "sha256:" + "%064x" % random.getrandbits(256),
        "created": stamp(day, random.randrange(86400)), "archived": stamp(day, random.randrange(86400)),
        "upload_status": status,
        "upload_timestamp": stamp(day, random.randrange(86400)) if status == "uploaded" else None,
        "upload_attempt": random.randint(1, 3),
        "last_error": None if status == "uploaded" else "HTTP 503 from the store:\n\t\"SlowDown\" after " + str(random.randint(1, 9)) + " tries",
    }
def entry(issue):
    day = random.randrange(300)
    logs = [log(issue, random.choice(list(folders)), n, day) for n in range(random.randint(3, 7))]
    total, original = sum(l["size_bytes"] for l in logs), sum(l["original_size_bytes"] for l in logs)
    complete = all(l["upload_status"] == "uploaded" for l in logs)
    return {
        "issue_number": str(issue), "issue_url": f"https://github.com/org/repo/issues/{issue}",
        "issue_title": " ".join(random.choice(words) for _ in range(random.randint(3, 12))).capitalize(),
        "archived_at": stamp(day, random.randrange(86400)), "archive_reason": random.choice(reasons),
        "logs": logs, "total_size_bytes": total, "total_logs": len(logs),
        "compression_ratio": math.floor(total / original * 100 + 0.5) / 100 if original else None,
        "partial_archive": not complete, "upload_complete": complete, "retry_count": random.randint(0, 2),
    }
archives, size, issue = [], 100, 999_999
while True:
    candidate = entry(issue)
    text = json.dumps(candidate, indent=2, ensure_ascii=False)
    # Inside the document every line of an entry is indented by four more spaces, plus ",\n".
    grown = len(text.encode()) + 4 * (text.count("\n") + 1) + 2
    if size + grown > target:
        break
    archives.append(candidate)
    size += grown
    issue -= random.randint(1, 3)
index = {"schema_version": "1.0", "last_updated": "2025-11-22T14:00:00Z", "archives": archives}
with open(path, "w", encoding="utf-8") as out:
    out.write(json.dumps(index, indent=2, ensure_ascii=False) + "\n")
PY
bytes=$(stat -c %s "$index")
entries=$(jq '.archives | length' "$index")
logs=$(jq '[.archives[].logs | length] | add' "$index")
echo "index: $bytes bytes, $entries entries, $logs logs; $(nproc) cores; best and median of $runs runs"
echo
echo "| what | best | median | MB/s (best) |"
echo "|---|---|---|---|"
hyperfine --warmup 1 --runs "$runs" --export-json "$work/jq.json" \
    "jq . '$index' > /dev/null" "jq -c . '$index' > /dev/null" >/dev/null
python3 - "$work/jq.json" "$bytes" <<'PY'
import json, sys
for result in json.load(open(sys.argv[1]))["results"]:
    command = result["command"].split(" '")[0]
    print(f"| `{command}` (parse and print, whole process) | {result['min'] * 1000:.1f} ms | "
          f"{result['median'] * 1000:.1f} ms | {int(sys.argv[2]) / 1e6 / result['min']:.0f} MB/s |")
PY
python3 - "$index" "$runs" <<'PY'
import json, sys, time
data = open(sys.argv[1], "rb").read()
def measure(label, body):
    times = []
    for _ in range(int(sys.argv[2])):
        start = time.perf_counter()
        body()
        times.append(time.perf_counter() - start)
    times.sort()
    print(f"| {label} | {times[0] * 1000:.1f} ms | {times[len(times) // 2] * 1000:.1f} ms | {len(data) / 1e6 / times[0]:.0f} MB/s |")
value = json.loads(data)
measure("python3 json.loads", lambda: json.loads(data))
measure("python3 json.dumps (indent=2)", lambda: json.dumps(value, indent=2, ensure_ascii=False))
PY
"$bench" "$index" --runs "$runs" --output "$work/written.json"
echo
if cmp -s "$index" "$work/written.json"; then
    echo "ArchiveIndex.fileBytes gives the generated file back byte for byte."
else
    echo "ArchiveIndex.fileBytes differs from the generated file:"
    diff <(head -c 100000 "$index") <(head -c 100000 "$work/written.json") | head -20
fi
