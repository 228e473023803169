#!/usr/bin/env python3
"""Writes a JSONL agent log of about SIZE_MB megabytes (MiB), the same bytes on every run.
Usage: gen_jsonl.py PATH SIZE_MB [START_SEQUENCE]"""
import json, random, sys

path, megabytes = sys.argv[1], int(sys.argv[2])
random.seed(7)
levels = ["debug", "info", "info", "info", "warning", "error"]
components = ["planner", "executor", "tool.bash", "tool.edit", "retriever", "memory", "github", "ci"]
words = ("the build step finished compiled module request response token cache hit miss retry upload "
         "archive index commit session agent issue pull merge deploy staging production error timeout").split()
lines = []
for i in range(40000):
    record = {
        "ts": f"2025-01-15T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}.{random.randint(0, 999):03d}Z",
        "level": random.choice(levels),
        "component": random.choice(components),
        "issue": random.randint(1, 999),
        "session": f"s-{random.randint(0, 0xffffff):06x}",
        "duration_ms": round(random.expovariate(1 / 120), 3),
        "message": " ".join(random.choice(words) for _ in range(random.randint(4, 18))),
    }
    lines.append(json.dumps(record, separators=(",", ":")))
block = ("\n".join(lines) + "\n").encode()
with open(path, "wb") as out:
    written = 0
    while written < megabytes << 20:
        out.write(block)
        written += len(block)
