#!/usr/bin/env python3
"""A fault-injecting HTTP/1.1 proxy for S3 tests (Python 3 stdlib only).

Sits on loopback between a client and an S3 server (SeaweedFS), forwards each request unchanged
(requests are SigV4-signed, so Host and x-amz-* must stay as sent) on a fresh upstream connection,
keeps the client's connection alive between requests (unless --no-keep-alive), and makes a chosen
share of requests fail in one of these ways:

  500          500 InternalError (S3 XML body), upstream never contacted
  503slowdown  503 SlowDown with Retry-After, upstream never contacted
  429          429 TooManyRequests with Retry-After, upstream never contacted
  expiredtoken 400 ExpiredToken (temporary credentials the service counts as expired), upstream
               never contacted
  reset        the client connection is reset (RST) right after the request headers
  stall        the request is read, nothing is sent for --stall-seconds, then the connection closes
  truncate     forwarded for real, but only half the response body is sent (headers keep the full
               Content-Length); a response with no body is cut in the middle of its status line, so
               e.g. a PUT lands upstream while the client sees a broken response

Every fault ends the client's connection. --rtt MS puts a network in front of the proxy (these
machines have no kernel netem): a new connection waits one round trip before its first byte (the
TCP handshake), and every chunk waits half a round trip in each direction, pipelined, so latency
does not cap throughput.

--date-offset SECONDS moves the Date header of every forwarded response (a server clock that
differs from the client's, for clock-skew checks).

Counts: --log gets one JSON line per request (with its connection's number); --stats FILE is
rewritten (atomically) after every connection and request with the totals so far:
{"connections": N, "requests": N, "max_open_connections": N}.

Prints `listening 127.0.0.1:PORT` once, then serves until SIGTERM/SIGINT.
One thread per connection; bodies are streamed, never buffered whole.
"""
import argparse
import email.utils
import json
import os
import queue
import random
import signal
import socket
import struct
import sys
import threading
import time

MODES = ["500", "503slowdown", "429", "reset", "stall", "truncate", "expiredtoken"]
BUF = 64 * 1024
IO_TIMEOUT = 300  # seconds of silence before giving up on a peer


class Proxy:
    def __init__(self, args):
        self.args = args
        self.upstream = args.upstream.rsplit(":", 1)
        self.rng = random.Random(args.seed)
        self.lock = threading.Lock()
        self.count = 0  # requests eligible for faults so far (for --fail-first)
        self.log_file = open(args.log, "a", buffering=1) if args.log else None
        self.connections = 0
        self.requests = 0
        self.open_connections = 0
        self.max_open_connections = 0

    def write_stats(self):
        """Called with self.lock held."""
        if not self.args.stats:
            return
        tmp = self.args.stats + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"connections": self.connections, "requests": self.requests,
                       "max_open_connections": self.max_open_connections}, f)
        os.replace(tmp, self.args.stats)

    def serve(self, conn):
        with self.lock:
            self.connections += 1
            self.open_connections += 1
            self.max_open_connections = max(self.max_open_connections, self.open_connections)
            number = self.connections
            self.write_stats()
        link = LatencyLink(conn, self.args.rtt / 1000) if self.args.rtt > 0 else None
        try:
            self.handle(link.start() if link else conn, number, link)
        finally:
            with self.lock:
                self.open_connections -= 1
                self.write_stats()

    def choose_fault(self, method, target):
        a = self.args
        if a.only_methods and method not in a.only_methods:
            return None
        with self.lock:  # one lock so the seeded sequence is the same for the same request order
            self.count += 1
            hit = (any(p in target for p in a.fail_path) or self.count <= a.fail_first
                   or self.rng.random() < a.fail_rate)
            return self.rng.choice(a.modes) if hit else None

    def log(self, method, target, fault, status, connection):
        if self.log_file:
            line = json.dumps({"time": time.time(), "method": method, "path": target, "fault": fault,
                               "upstream_status": status, "connection": connection})
            with self.lock:
                self.log_file.write(line + "\n")

    # ---- one connection ------------------------------------------------------------------
    def handle(self, client, number, link):
        client.settimeout(IO_TIMEOUT)
        rfile = client.makefile("rb")
        request_line = None
        try:
            while True:  # one request after another while both sides keep the connection
                head = read_head(rfile)
                if head is None:
                    return
                request_line = head[0].decode("latin-1").split()
                method, target = request_line[0], request_line[1]
                headers = parse_headers(head[1:])
                with self.lock:
                    self.requests += 1
                    self.write_stats()
                keep = (not self.args.no_keep_alive and request_line[2:] == ["HTTP/1.1"]
                        and headers.get("connection", "").lower() != "close")
                fault = self.choose_fault(method, target)
                log = lambda status: self.log(method, target, fault, status, number)
                if fault in ("500", "503slowdown", "429", "expiredtoken"):
                    log(None)
                    self.answer_error(client, rfile, method, headers, fault)
                    return
                elif fault == "reset":
                    log(None)
                    if link:
                        link.reset = True
                    else:
                        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return
                elif fault == "stall":
                    log(None)
                    deadline = time.monotonic() + self.args.stall_seconds
                    try:  # read the body (bounded by the stall time), then say nothing
                        client.settimeout(self.args.stall_seconds)
                        copy_body(rfile, headers, None)
                    except OSError:
                        pass
                    time.sleep(max(0.0, deadline - time.monotonic()))
                    return
                elif not self.forward(client, rfile, method, target, head, headers, fault, keep, log):
                    return
        except (OSError, ValueError, IndexError) as e:  # e.g. a client gave up on a stall
            print(f"fault_proxy: {' '.join(request_line[:2]) if request_line else '-'}: {e!r}",
                  file=sys.stderr)
        finally:
            rfile.close()
            client.close()

    def answer_error(self, client, rfile, method, headers, fault):
        status, reason, code, msg = {
            "500": (500, "Internal Server Error", "InternalError",
                    "We encountered an internal error. Please try again."),
            "503slowdown": (503, "Slow Down", "SlowDown", "Please reduce your request rate."),
            # S3 itself never sends 429; this Code is one that AWS SDKs treat as throttling.
            "429": (429, "Too Many Requests", "TooManyRequestsException", "Please reduce your request rate."),
            "expiredtoken": (400, "Bad Request", "ExpiredToken", "The provided token has expired."),
        }[fault]
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
                f"<Message>{msg}</Message><RequestId>fault-proxy</RequestId></Error>").encode()
        extra = "" if fault in ("500", "expiredtoken") else f"Retry-After: {self.args.retry_after}\r\n"
        resp = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/xml\r\n"
                f"Content-Length: {len(body)}\r\n{extra}Connection: close\r\n\r\n").encode()
        if method != "HEAD":
            resp += body
        expects = headers.get("expect", "").lower() == "100-continue"
        if not expects:
            copy_body(rfile, headers, None)  # a client that sends it all first must not get an RST
        client.sendall(resp)
        # With Expect the client normally never sends the body; drain anything already under
        # way before closing, so the kernel does not answer it with an RST that eats the response.
        graceful_close(client, rfile)

    def forward(self, client, rfile, method, target, head, headers, fault, keep, log):
        """Relays one request on a fresh upstream connection; True when the client's stays open."""
        try:
            up = socket.create_connection((self.upstream[0], int(self.upstream[1])), timeout=10)
        except OSError as e:
            log(None)
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            raise e
        up.settimeout(IO_TIMEOUT)
        ufile = up.makefile("rb")
        try:
            # Request line and headers byte for byte, minus Connection, plus Connection: close.
            out = [head[0]] + [h for h in head[1:] if not h.lower().startswith(b"connection:")]
            up.sendall(b"".join(out) + b"Connection: close\r\n\r\n")
            if headers.get("expect", "").lower() == "100-continue":
                # Relay the upstream's answer: 100 Continue -> send the body; a final status
                # (e.g. 403) -> the client must not send the body, so relay that and stop.
                resp_head = read_head(ufile)
                if resp_head is None:
                    raise ConnectionError("upstream closed before answering Expect")
                if status_of(resp_head) == 100:
                    client.sendall(b"".join(resp_head) + b"\r\n")
                    resp_head = None
                    copy_body(rfile, headers, up)
                else:
                    keep = False  # the body may or may not follow: the connection's state is unknown
            else:
                resp_head = None
                try:
                    copy_body(rfile, headers, up)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # upstream answered early (e.g. an error); its response is still readable
            if resp_head is None:
                resp_head = read_head(ufile)
            # More interim answers may come before the final one (servers built on Python's
            # http.server, moto among them, answer Expect with a second 100 Continue): relay them,
            # so that a fault hits the final answer.
            while resp_head is not None and 100 <= status_of(resp_head) < 200 and status_of(resp_head) != 101:
                client.sendall(b"".join(resp_head) + b"\r\n")
                resp_head = read_head(ufile)
            if resp_head is None:
                raise ConnectionError("upstream closed without a response")
            status = status_of(resp_head)
            log(status)
            if fault == "truncate":
                self.relay_truncated(client, ufile, method, resp_head, status)
                return False
            resp_headers = parse_headers(resp_head[1:])
            no_body = method == "HEAD" or status in (204, 304)
            chunked = "chunked" in resp_headers.get("transfer-encoding", "").lower()
            length = resp_headers.get("content-length")
            keep = keep and (no_body or chunked or length is not None)  # else the end is the close
            dropped = [b"connection:"] + [n.lower().encode() + b":" for n in self.args.drop_response_header]
            if self.args.date_offset:
                dropped.append(b"date:")
            out = [resp_head[0]] + [h for h in resp_head[1:] if not h.lower().startswith(tuple(dropped))]
            if self.args.date_offset:
                out.append(shifted_date(resp_headers.get("date"), self.args.date_offset))
            out.append(b"Connection: keep-alive\r\n" if keep else b"Connection: close\r\n")
            client.sendall(b"".join(out) + b"\r\n")
            if no_body:
                pass
            elif chunked:
                copy_body(ufile, resp_headers, client)
            elif length is not None:
                copy_exact(ufile, int(length), client.sendall)
            else:
                while chunk := ufile.read1(BUF):  # until the upstream closes
                    client.sendall(chunk)
            if not keep:
                graceful_close(client, rfile)
            return keep
        finally:
            ufile.close()
            up.close()

    def relay_truncated(self, client, ufile, method, resp_head, status):
        raw = b"".join(resp_head) + b"\r\n"
        length = parse_headers(resp_head[1:]).get("content-length")
        no_body = method == "HEAD" or status in (204, 304)
        if no_body or length == "0":
            # Nothing to cut but the head. Cut inside the status line: clients (curl) accept a
            # head that merely lacks its closing blank line as complete.
            client.sendall(raw[: len(resp_head[0]) // 2])
            return
        client.sendall(raw)
        # Unknown length (chunked): cut after half of the first read, which breaks the framing.
        left = int(length) // 2 if length else max(1, len(ufile.peek(BUF)) // 2)
        while left > 0 and (chunk := ufile.read1(min(BUF, left))):
            client.sendall(chunk)
            left -= len(chunk)


# ---- latency ---------------------------------------------------------------------------------
class LatencyLink:
    """A delay line between a client's socket and the proxy's handler (a socketpair): the
    client's first byte goes through one round trip after the connection opened, and every chunk
    half a round trip after it was read, in each direction. Chunks in flight are queued (bounded),
    so a long body pays the latency once, not once per chunk."""

    def __init__(self, client, rtt):
        self.client = client
        self.rtt = rtt
        self.opened = time.monotonic()
        self.inner, self.outer = socket.socketpair()
        self.reset = False  # the handler asked for the client's connection to end with an RST
        self.lock = threading.Lock()
        self.running = 2

    def start(self):
        threading.Thread(target=self.pump, args=(self.client, self.outer, self.opened + self.rtt),
                         daemon=True).start()
        threading.Thread(target=self.pump, args=(self.outer, self.client, 0.0), daemon=True).start()
        return self.inner

    def pump(self, src, dst, not_before):
        line = queue.Queue(maxsize=64)
        deliverer = threading.Thread(target=self.deliver, args=(line, dst), daemon=True)
        deliverer.start()
        time.sleep(max(0.0, not_before - time.monotonic()))
        while True:
            try:
                data = src.recv(BUF)
            except OSError:
                data = b""
            line.put((time.monotonic() + self.rtt / 2, data or None))
            if not data:
                break
        deliverer.join()
        with self.lock:
            self.running -= 1
            last = self.running == 0
        if last:
            self.outer.close()
            self.client.close()

    def deliver(self, line, dst):
        broken = False
        while True:
            due, data = line.get()
            time.sleep(max(0.0, due - time.monotonic()))
            if data is None:
                break
            if not broken:
                try:
                    dst.sendall(data)
                except OSError:
                    broken = True  # keep draining so the reader is never blocked on a full line
        try:
            if dst is self.client and self.reset:
                self.client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.client.shutdown(socket.SHUT_RD)  # wakes the other pump; the close sends the RST
            else:
                dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


# ---- HTTP helpers ---------------------------------------------------------------------------
def read_head(f):
    """Start line and header lines (raw, with CRLF) up to the blank line; None on EOF."""
    lines, size = [], 0
    while True:
        line = f.readline(65537)
        if not line:
            return None if not lines else lines
        if line in (b"\r\n", b"\n"):
            if lines:
                return lines
            continue  # tolerate stray CRLF before a request
        size += len(line)
        if size > 256 * 1024:
            raise ValueError("header section too large")
        lines.append(line)


def parse_headers(lines):
    h = {}
    for line in lines:
        name, _, value = line.decode("latin-1").partition(":")
        h[name.strip().lower()] = value.strip()
    return h


def status_of(head):
    return int(head[0].split()[1])


def copy_body(rfile, headers, dest):
    """Stream the request body from rfile to the socket dest (or drop it when dest is None)."""
    send = dest.sendall if dest else (lambda b: None)
    if "chunked" in headers.get("transfer-encoding", "").lower():
        while True:  # relay the chunked framing byte for byte
            size_line = rfile.readline(65537)
            if not size_line:
                raise ConnectionError("client closed inside a chunked body")
            send(size_line)
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                while True:  # trailers, then the blank line
                    t = rfile.readline(65537)
                    send(t)
                    if t in (b"\r\n", b"\n", b""):
                        return
            copy_exact(rfile, size + 2, send)  # data plus its CRLF
    else:
        copy_exact(rfile, int(headers.get("content-length", "0") or 0), send)


def copy_exact(rfile, n, send):
    while n > 0:
        chunk = rfile.read1(min(BUF, n))
        if not chunk:
            raise ConnectionError("client closed inside the body")
        send(chunk)
        n -= len(chunk)


def shifted_date(upstream, offset):
    """A `Date:` header line `offset` seconds from the upstream's (or from now, when it sent
    none): a server whose clock differs from the client's."""
    try:
        moment = email.utils.parsedate_to_datetime(upstream).timestamp() if upstream else time.time()
    except (TypeError, ValueError):
        moment = time.time()
    return ("Date: " + email.utils.formatdate(moment + offset, usegmt=True) + "\r\n").encode()


def graceful_close(sock, rfile):
    """Half-close, then swallow what the peer still sends (bounded), so the close is a FIN."""
    try:
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(2)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and rfile.read1(BUF):
            pass
    except OSError:
        pass


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--upstream", default="127.0.0.1:8333", help="HOST:PORT of the S3 server")
    p.add_argument("--port", type=int, default=0, help="listen port on 127.0.0.1 (0 = ephemeral)")
    p.add_argument("--fail-rate", type=float, default=0.0, help="share of requests to fault, 0..1")
    # expiredtoken only when asked: with long-lived keys it is rightly a permanent failure.
    p.add_argument("--modes", default=",".join(m for m in MODES if m != "expiredtoken"),
                   help="comma-separated subset of " + ",".join(MODES))
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--retry-after", default="1", help="Retry-After value on 429/503")
    p.add_argument("--stall-seconds", type=float, default=30.0)
    p.add_argument("--fail-first", type=int, default=0, help="fault the first N (eligible) requests")
    p.add_argument("--fail-path", action="append", default=[],
                   help="fault every request whose path+query contains this (repeatable)")
    p.add_argument("--only-methods", default="", help="e.g. PUT,POST: only these methods get faults")
    p.add_argument("--log", help="append one JSON line per request to this file")
    p.add_argument("--stats", help="keep the counts of connections and requests in this JSON file")
    p.add_argument("--rtt", type=float, default=0.0, help="round trip in milliseconds to simulate")
    p.add_argument("--no-keep-alive", action="store_true", help="one request per client connection")
    p.add_argument("--drop-response-header", action="append", default=[],
                   help="remove this header from every response (repeatable), e.g. to play a server that keeps no checksums")
    p.add_argument("--date-offset", type=float, default=0.0,
                   help="move every response's Date header by this many seconds (a skewed server clock)")
    args = p.parse_args()
    args.modes = [m for m in args.modes.split(",") if m]
    bad = set(args.modes) - set(MODES)
    if bad or not args.modes:
        p.error(f"unknown mode(s) {sorted(bad)}; choose from {','.join(MODES)}")
    if args.rtt < 0:
        p.error("--rtt must be 0 or more")
    if not 0 <= args.fail_rate <= 1:
        p.error("--fail-rate must be in 0..1")
    args.only_methods = {m.strip().upper() for m in args.only_methods.split(",") if m.strip()}

    proxy = Proxy(args)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(128)

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    with proxy.lock:
        proxy.write_stats()
    print(f"listening 127.0.0.1:{listener.getsockname()[1]}", flush=True)
    try:
        while True:
            conn, _ = listener.accept()
            # Daemon threads: a stalled connection must not keep the process alive after SIGTERM.
            threading.Thread(target=proxy.serve, args=(conn,), daemon=True).start()
    finally:
        listener.close()
        if proxy.log_file:
            proxy.log_file.close()


if __name__ == "__main__":
    main()
