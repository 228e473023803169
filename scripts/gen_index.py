#!/usr/bin/env python3
"""Writes an archive-index history for benchmarks and tests: N archived issues, L logs each.

  gen_index.py LOGS_DIR --issues N --logs L [--layout single|sharded] [--gap G]

--layout single writes one logs/.archive-index.json (the format before sharding, to migrate);
sharded writes the root and logs/.archive-index/issues-*.json as logarchive lays them out.
--gap G leaves out every issue number divisible by G, so a benchmark can archive new issues that
land in full shards. Entries are in the design's shape, every log uploaded.
"""
import argparse
import itertools
import hashlib
import json
import os

PER_SHARD = 25


def entry(issue, logs):
    records = []
    for n in range(logs):
        kind = ("build", "deployment", "debug", "session")[n % 4]
        folder = {"session": "sessions"}.get(kind, kind + "s")
        name = f"session-{issue}-{n}.md" if kind == "session" else f"{issue}-{kind}-{n}.log"
        key = f"archive/logs/2025/01/{issue}/{name}"
        records.append({
            "type": kind, "filename": name, "local_path": f"logs/{folder}/{name}", "remote_path": key,
            "cloud_url": f"file:///srv/log-archive/{key}", "public_url": None,
            "size_bytes": 4096 + n, "original_size_bytes": 4096 + n, "compressed": False,
            "checksum": "sha256:" + hashlib.sha256(key.encode()).hexdigest(),
            "created": "2025-01-15T09:00:00Z", "archived": "2025-01-15T14:00:00Z",
            "upload_status": "uploaded", "upload_timestamp": "2025-01-15T14:00:00Z",
            "upload_attempt": 1, "last_error": None,
        })
    total = sum(r["size_bytes"] for r in records)
    return {
        "issue_number": str(issue), "issue_url": f"https://github.com/org/repo/issues/{issue}",
        "issue_title": f"Generated issue {issue}", "archived_at": "2025-01-15T14:00:00Z",
        "archive_reason": "issue_closed", "logs": records, "total_size_bytes": total, "total_logs": logs,
        "compression_ratio": 1.0, "partial_archive": False, "upload_complete": True, "retry_count": 0,
    }


def document(entries):
    return {"schema_version": "1.0", "last_updated": "2025-01-15T14:00:00Z", "archives": entries}


def write(path, value):
    with open(path, "w") as out:
        json.dump(value, out, indent=2)
        out.write("\n")


def summarised(entries):
    """A shard as logarchive writes one: its status_summary (the headlines `status` reads) first,
    holding the file's own size, which the reader checks before it trusts the summary."""
    headlines = [{
        "issue_number": e["issue_number"], "complete": True, "archived_at": e["archived_at"],
        "archive_reason": e["archive_reason"], "total_logs": e["total_logs"],
        "total_size_bytes": e["total_size_bytes"],
        "total_original_bytes": sum(r["original_size_bytes"] for r in e["logs"]),
        "issue_title": e["issue_title"], "issue_url": e["issue_url"],
    } for e in entries]
    doc = {"schema_version": "1.0", "last_updated": "2025-01-15T14:00:00Z",
           "status_summary": {"file_bytes": 0, "headlines": headlines}, "archives": entries}
    # Written with "0" for the size, and a final newline: the size with d digits is base - 1 + d.
    base = len(json.dumps(doc, indent=2).encode()) + 1
    digits = 1
    while len(str(base - 1 + digits)) != digits:
        digits += 1
    doc["status_summary"]["file_bytes"] = base - 1 + digits
    return doc


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("logs_dir")
    parser.add_argument("--issues", type=int, required=True)
    parser.add_argument("--logs", type=int, default=5)
    parser.add_argument("--layout", choices=["single", "sharded"], default="sharded")
    parser.add_argument("--gap", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.logs_dir, exist_ok=True)
    wanted = (n for n in itertools.count(1) if not (args.gap and n % args.gap == 0))
    numbers = list(itertools.islice(wanted, args.issues))
    root = os.path.join(args.logs_dir, ".archive-index.json")
    if args.layout == "single":
        write(root, document([entry(n, args.logs) for n in reversed(numbers)]))
        return
    shards = {}
    for n in numbers:
        shards.setdefault(n // PER_SHARD, []).append(n)
    folder = os.path.join(args.logs_dir, ".archive-index")
    os.makedirs(folder, exist_ok=True)
    for shard, members in shards.items():
        first = shard * PER_SHARD
        name = f"issues-{first:06d}-{first + PER_SHARD - 1:06d}.json"
        write(os.path.join(folder, name), summarised([entry(n, args.logs) for n in reversed(members)]))
    write(root, document([]))


if __name__ == "__main__":
    main()
