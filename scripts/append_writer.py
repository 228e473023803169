#!/usr/bin/env python3
"""Appends numbered lines to a log at a steady rate until SIGTERM/SIGINT, then prints how many it
wrote. Used to prove that `logarchive rotate` loses no line: every line carries its sequence
number, so the archives plus what is left in the file must hold 0..N-1 exactly once, in order.

  append_writer.py FILE [--rate LINES_PER_SECOND] [--no-lock] [--start N] [--ready FILE]

By default each append takes a shared flock on the file, the contract logarchive's own writers
keep; --no-lock appends as an unaware program would (O_APPEND only).
"""
import argparse, fcntl, os, signal, sys, time

parser = argparse.ArgumentParser()
parser.add_argument("file")
parser.add_argument("--rate", type=float, default=10000)
parser.add_argument("--no-lock", action="store_true")
parser.add_argument("--start", type=int, default=0)
parser.add_argument("--ready", help="file to create once the first line is written")
args = parser.parse_args()

stop = False
def on_signal(signum, frame):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_signal)
signal.signal(signal.SIGINT, on_signal)
# A parent may hand its children a blocked signal mask (exec keeps it); we must hear SIGTERM.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})

fd = os.open(args.file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
padding = "x" * 60
sequence = args.start
began = time.monotonic()
batch = max(1, int(args.rate / 1000))  # about a millisecond of lines per write
while not stop:
    lines = "".join(f"seq={n:012d} {padding}\n" for n in range(sequence, sequence + batch)).encode()
    if not args.no_lock:
        fcntl.flock(fd, fcntl.LOCK_SH)
    os.write(fd, lines)
    if not args.no_lock:
        fcntl.flock(fd, fcntl.LOCK_UN)
    sequence += batch
    if args.ready and sequence == args.start + batch:
        open(args.ready, "w").close()
    # Keep to the rate: sleep until the time the next batch is due.
    due = began + (sequence - args.start) / args.rate
    pause = due - time.monotonic()
    if pause > 0:
        time.sleep(pause)
os.close(fd)
print(sequence - args.start)
