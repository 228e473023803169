#!/usr/bin/env python3
"""Reads the numbered lines of append_writer.py from gzip archives (in the order given) and a
final plain file, and checks they hold 0..N-1 exactly once and in order. Prints a JSON verdict:
{"written": N, "archived": A, "left": L, "lost": ..., "duplicated": ..., "out_of_order": ...}

  check_sequence.py WRITTEN LOG ARCHIVE.gz...
"""
import gzip, json, sys

written = int(sys.argv[1])
log = sys.argv[2]
archives = sys.argv[3:]
expected = 0
archived = left = duplicated = out_of_order = partial = 0
seen = set()

def take(line, counter):
    global expected, duplicated, out_of_order, partial
    if not line.endswith(b"\n") or not line.startswith(b"seq="):
        partial += 1
        return
    n = int(line[4:16])
    if n in seen:
        duplicated += 1
    seen.add(n)
    if n != expected:
        out_of_order += 1
    expected = n + 1

for path in archives:
    with gzip.open(path, "rb") as f:
        for line in f:
            take(line, "archived")
            archived += 1
with open(log, "rb") as f:
    for line in f:
        take(line, "left")
        left += 1
lost = written - len(seen)
print(json.dumps({"written": written, "archived": archived, "left": left, "lost": lost,
                  "duplicated": duplicated, "out_of_order": out_of_order, "partial_lines": partial}))
sys.exit(0 if lost == 0 and duplicated == 0 and out_of_order == 0 and partial == 0 else 1)
