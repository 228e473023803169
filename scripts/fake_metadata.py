#!/usr/bin/env python3
"""A stand-in for the AWS credential metadata services that integration tests run on loopback.

It serves both the ECS/EKS container credentials endpoint and EC2 instance metadata with
IMDSv2 sessions, handing out the access key and secret it is given (those of the test S3
server, so the server checks the signatures made with them), with an Expiration a chosen number
of seconds ahead, and counts every request.

    python3 scripts/fake_metadata.py --key ID --secret SECRET [--token SESSION] [--expires-in S]
        [--auth-token TOKEN] [--role NAME] [--log FILE] [--port 0]

Endpoints:
  GET  /ecs/credentials                   container credentials; with --auth-token, the request's
                                          Authorization header must equal it (else 401)
  PUT  /latest/api/token                  IMDSv2 session token; needs X-aws-ec2-metadata-token-ttl-seconds
  GET  /latest/meta-data/iam/security-credentials/[ROLE]
                                          needs X-aws-ec2-metadata-token from the PUT; a request
                                          without one is refused with 401, as an instance that
                                          requires IMDSv2 does, so an IMDSv1 fallback fails

Each request is logged as one JSON line: method, path, status, and whether it carried a token.
The secret never goes to the log. Prints `listening http://127.0.0.1:PORT`, then serves until
SIGTERM or SIGINT. Standard library only.
"""

import argparse
import json
import secrets
import signal
import sys
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CREDENTIALS_PATH = "/latest/meta-data/iam/security-credentials/"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--key", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--token", default=None, help="the session token handed out (default: none)")
    parser.add_argument("--expires-in", type=int, default=3600, help="seconds until the Expiration handed out")
    parser.add_argument("--auth-token", default=None, help="the Authorization the container endpoint requires")
    parser.add_argument("--role", default="logarchive-test-role")
    parser.add_argument("--log", default=None)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()

    lock = threading.Lock()
    imds_tokens = set()

    def log(entry):
        if not args.log:
            return
        with lock, open(args.log, "a") as out:
            out.write(json.dumps(entry) + "\n")

    def credentials():
        expiration = datetime.now(timezone.utc) + timedelta(seconds=args.expires_in)
        body = {
            "Code": "Success",
            "LastUpdated": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Type": "AWS-HMAC",
            "AccessKeyId": args.key,
            "SecretAccessKey": args.secret,
            "Expiration": expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if args.token:
            body["Token"] = args.token
        return body

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def answer(self, status, body=b"", content_type="text/plain", kind=""):
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
                content_type = "application/json"
            elif isinstance(body, str):
                body = body.encode()
            # Logged before answering: once the client has the answer, the log has the line.
            log({
                "method": self.command, "path": self.path, "status": status, "kind": kind,
                "imds_token": bool(self.headers.get("X-aws-ec2-metadata-token")),
                "authorization": bool(self.headers.get("Authorization")),
            })
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_PUT(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            if self.path != "/latest/api/token":
                return self.answer(404, "not found")
            ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
            if not ttl or not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
                return self.answer(400, "missing or invalid X-aws-ec2-metadata-token-ttl-seconds", kind="token")
            token = secrets.token_urlsafe(24)
            with lock:
                imds_tokens.add(token)
            self.answer(200, token, kind="token")

        def do_GET(self):
            if self.path == "/ecs/credentials":
                if args.auth_token and self.headers.get("Authorization") != args.auth_token:
                    return self.answer(401, {"code": "Unauthorized", "message": "bad token"}, kind="ecs")
                return self.answer(200, credentials(), kind="ecs")
            if self.path.startswith(CREDENTIALS_PATH):
                token = self.headers.get("X-aws-ec2-metadata-token")
                with lock:
                    known = token in imds_tokens
                if not known:
                    return self.answer(401, "", kind="imds-without-token")
                role = self.path[len(CREDENTIALS_PATH):]
                if role == "":
                    return self.answer(200, args.role, kind="role")
                if role != args.role:
                    return self.answer(404, "", kind="credentials")
                return self.answer(200, credentials(), kind="credentials")
            self.answer(404, "not found")

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"listening http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
