#!/usr/bin/env python3
"""Reads the numbered lines of append_writer.py from gzip archives (in the order given) and then
from the log itself, and checks they hold FROM..FROM+N-1 exactly once and in order. Prints a JSON
verdict and exits 1 unless nothing was lost, duplicated, reordered or cut.

  check_sequence.py [--from FIRST] [--skip BYTES] WRITTEN LOG ARCHIVE.gz...

--skip passes over the first BYTES of the first archive (a prefix checked some faster way, such
as `cmp` against the file the log started from); --from is the first number expected after it.
"""
import argparse, gzip, json, sys

parser = argparse.ArgumentParser()
parser.add_argument("--from", dest="first", type=int, default=0)
parser.add_argument("--skip", type=int, default=0)
parser.add_argument("written", type=int)
parser.add_argument("log")
parser.add_argument("archives", nargs="*")
args = parser.parse_args()

state = {"expected": args.first, "duplicated": 0, "out_of_order": 0, "partial_lines": 0, "max": args.first - 1}
seen = set()

def take(line):
    if not line.endswith(b"\n") or not line.startswith(b"seq="):
        state["partial_lines"] += 1
        return
    n = int(line[4:16])
    if n in seen:
        state["duplicated"] += 1
    seen.add(n)
    if n != state["expected"]:
        state["out_of_order"] += 1
    state["expected"] = n + 1

archived = 0
for position, path in enumerate(args.archives):
    with gzip.open(path, "rb") as f:
        if position == 0 and args.skip:
            f.seek(args.skip)
        for line in f:
            take(line)
            archived += 1
left = 0
with open(args.log, "rb") as f:
    for line in f:
        take(line)
        left += 1
expected = set(range(args.first, args.first + args.written))
lost = len(expected - seen)
verdict = {"written": args.written, "archived": archived, "left": left, "lost": lost,
           "unexpected": len(seen - expected), "duplicated": state["duplicated"],
           "out_of_order": state["out_of_order"], "partial_lines": state["partial_lines"]}
print(json.dumps(verdict))
sys.exit(0 if lost == 0 and verdict["unexpected"] == 0 and state["duplicated"] == 0
         and state["out_of_order"] == 0 and state["partial_lines"] == 0 else 1)
