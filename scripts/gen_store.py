#!/usr/bin/env python3
"""Writes a local store as `logarchive N` leaves it, for `reindex --all` to rebuild the index from:
N archived issues of L small logs each, every log's bytes and its manifest.json.

  gen_store.py STORE_DIR --issues N [--logs L]

The layout is archive/logs/2025/01/ISSUE/{logs,manifest.json}; each manifest is the issue's
entry (gen_index.py's shape) with each log's real size and SHA-256.
"""
import argparse
import hashlib
import json
import os

from gen_index import entry


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("store_dir")
    parser.add_argument("--issues", type=int, required=True)
    parser.add_argument("--logs", type=int, default=5)
    args = parser.parse_args()
    for issue in range(1, args.issues + 1):
        record = entry(issue, args.logs)
        folder = os.path.join(args.store_dir, "archive/logs/2025/01", str(issue))
        os.makedirs(folder, exist_ok=True)
        for log in record["logs"]:
            data = f"{log['filename']}: line of a generated log\n".encode() * 4
            with open(os.path.join(folder, log["filename"]), "wb") as out:
                out.write(data)
            log["size_bytes"] = log["original_size_bytes"] = len(data)
            log["checksum"] = "sha256:" + hashlib.sha256(data).hexdigest()
            log["cloud_url"] = "file://" + os.path.abspath(os.path.join(args.store_dir, log["remote_path"]))
        record["total_size_bytes"] = sum(log["size_bytes"] for log in record["logs"])
        with open(os.path.join(folder, "manifest.json"), "w") as out:
            json.dump(record, out, indent=2)
            out.write("\n")


if __name__ == "__main__":
    main()
