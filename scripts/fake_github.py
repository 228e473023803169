#!/usr/bin/env python3
"""A stand-in for api.github.com that integration tests run on loopback.

It answers the few REST endpoints logarchive uses (issues, pulls, issue comments) with the
shapes GitHub documents, holds the client to what GitHub asks of every request (User-Agent,
a token, the GitHub Accept type), can inject the failures GitHub really produces (rate limits,
secondary limits, 5xx), and records every request it was sent so tests can assert on them.

    python3 scripts/fake_github.py --state FILE [--port 0] [--token TOKEN] [--log FILE]

Prints one line, `listening http://127.0.0.1:PORT`, then serves until SIGTERM or SIGINT.
Standard library only. The state file format and the log format are described in the
docstrings of `Fake.load_state` and `Fake.log_request`.
"""

import argparse
import json
import re
import signal
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

DOCS = "https://docs.github.com/rest"
GITHUB_ACCEPT = "application/vnd.github+json"
DEFAULT_API_VERSION = "2022-11-28"  # what GitHub selects when X-GitHub-Api-Version is absent
RATE_LIMIT = 5000  # the primary limit of an authenticated user
MAX_COMMENT_CHARS = 65536  # GitHub refuses longer comment bodies with 422
FIXED_TIME = "2024-01-01T00:00:00Z"  # stable timestamps for the seeded issues and pulls


def now_iso():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class ApiError(Exception):
    """An error answered the way GitHub does: a JSON body with message and documentation_url."""

    def __init__(self, status, message, doc=DOCS, headers=None, extra=None):
        super().__init__(message)
        self.status = status
        self.body = {"message": message, "documentation_url": doc, "status": str(status)}
        self.body.update(extra or {})
        self.headers = headers or {}


def not_found(doc=DOCS):
    return ApiError(404, "Not Found", doc)


class Fake:
    """Everything the server knows: the state file, the comments, fault counts, the log."""

    def __init__(self, state_path, token, log_path):
        self.state_path = state_path
        self.token = token
        self.log = open(log_path, "a", encoding="utf-8") if log_path else None
        # One lock for all the mutable state: handlers run on many threads.
        self.lock = threading.Lock()
        self.comments = {}  # issue number (str) -> list of comment dicts, ascending id
        self.comments_by_id = {}  # comment id (int) -> the same dict
        self.next_comment_id = 1000000001
        self.seeded = set()  # (issue, index) of state-file comments already created
        self.fault_remaining = {}  # (fault index, canonical fault JSON) -> count left
        self.requests = 0  # API requests seen (GET /_state is not counted)
        self.rate_used = 0  # authorized requests, for x-ratelimit-remaining
        self.reset_at = int(time.time()) + 3600
        self.last_good_state = None
        self.load_state()  # fail at start, not on the first request, if the file is bad

    # ---- state ---------------------------------------------------------------------------

    def load_state(self):
        """Read the state file. It is read on every request so a test may rewrite it while
        the server runs; write it atomically (write a temp file, then rename). Shape:

            {"repo": "org/repo",                  # the only repository that exists
             "repo_id": 100000001,                # optional, used in Link header URLs
             "login": "test-user",                # optional, author of posted comments
             "issues": {"123": {"state": "closed", "title": "...",
                                "body": "...", "state_reason": "completed"},   # optional keys
                        "130": {"state": "closed", "title": "...",
                                "pull_request": {"merged": true, "merged_at": "..."}}},
             "comments": {"123": [{"body": "...", "user": "someone"}]},  # optional, seeded once
             "private": false,                    # optional, GET /repos/{owner}/{repo}
             "permissions": {"pull": true, "push": false},  # optional, the token user's role
                                                  # there (default: push); null leaves it out
             "scopes": "repo, workflow",          # optional: answered as X-OAuth-Scopes, as
                                                  # GitHub does for a classic token
             "comments_forbidden": true,          # optional: creating or updating a comment
                                                  # answers 403, as for a read-only token
             "faults": [{"path_contains": "/comments", "method": "POST", "status": 429,
                         "count": 1, "retry_after": 1},
                        {"status": 403, "rate_limited": true, "count": 2, "reset_in": 1},
                        {"status": 403, "secondary": true, "count": 1, "retry_after": 2},
                        {"status": 502, "count": 1, "message": "optional override"}]}
        """
        # A test may be halfway through a non-atomic write: retry briefly, then keep the last
        # state that parsed rather than failing the client's request for a test-side race.
        error = None
        for _ in range(5):
            try:
                with open(self.state_path, encoding="utf-8") as f:
                    state = json.load(f)
                if not isinstance(state, dict) or "/" not in str(state.get("repo", "")):
                    raise ValueError('the state needs "repo": "owner/name"')
                self.last_good_state = state
                self.seed_comments(state)
                return state
            except (OSError, ValueError) as e:
                error = e
                time.sleep(0.01)
        if self.last_good_state is None:
            raise SystemExit(f"fake_github: cannot read state {self.state_path}: {error}")
        print(f"fake_github: state unreadable ({error}); using the last good one", file=sys.stderr)
        return self.last_good_state

    def seed_comments(self, state):
        # Seeded comments let a test start with an existing comment (say, one logarchive left
        # on an earlier run). Each is created once, however often the file is re-read.
        for issue, entries in (state.get("comments") or {}).items():
            for index, entry in enumerate(entries):
                if (issue, index) in self.seeded:
                    continue
                self.seeded.add((issue, index))
                stamp = entry.get("created_at", FIXED_TIME)
                self.add_comment(state, str(int(issue)), entry.get("body", ""),
                                 entry.get("user"), stamp, entry.get("updated_at", stamp),
                                 entry.get("id"))

    # ---- JSON shapes (as in GitHub's REST reference) --------------------------------------

    def user(self, base, login):
        return {
            "login": login,
            "id": 1000 + sum(login.encode()),
            "node_id": "U_fake" + login,
            "avatar_url": f"https://avatars.githubusercontent.com/{login}",
            "gravatar_id": "",
            "url": f"{base}/users/{login}",
            "html_url": f"https://github.com/{login}",
            "type": "Bot" if login.endswith("[bot]") else "User",
            "site_admin": False,
        }

    def add_comment(self, state, issue, body, login, created, updated, comment_id=None):
        if comment_id is None:
            comment_id = self.next_comment_id
        self.next_comment_id = max(self.next_comment_id, int(comment_id) + 1)
        comment = {
            "id": int(comment_id),
            "node_id": f"IC_kwDOfake{comment_id}",
            "issue": issue,  # internal: stripped from the JSON sent out
            "body": body,
            "user": login or state.get("login", "test-user"),
            "created_at": created,
            "updated_at": updated,
        }
        self.comments.setdefault(issue, []).append(comment)
        self.comments_by_id[comment["id"]] = comment
        return comment

    def comment_json(self, state, base, comment):
        owner_repo, issue = state["repo"], comment["issue"]
        entry = state.get("issues", {}).get(issue, {})
        kind = "pull" if "pull_request" in entry else "issues"
        return {
            "id": comment["id"],
            "node_id": comment["node_id"],
            "url": f"{base}/repos/{owner_repo}/issues/comments/{comment['id']}",
            "html_url": f"https://github.com/{owner_repo}/{kind}/{issue}#issuecomment-{comment['id']}",
            "issue_url": f"{base}/repos/{owner_repo}/issues/{issue}",
            "body": comment["body"],
            "user": self.user(base, comment["user"]),
            "created_at": comment["created_at"],
            "updated_at": comment["updated_at"],
            "author_association": "MEMBER",
            "performed_via_github_app": None,
        }

    def issue_json(self, state, base, number, entry):
        owner_repo = state["repo"]
        api = f"{base}/repos/{owner_repo}/issues/{number}"
        is_pr = "pull_request" in entry
        closed = entry.get("state", "open") == "closed"
        issue = {
            "url": api,
            "repository_url": f"{base}/repos/{owner_repo}",
            "comments_url": f"{api}/comments",
            "events_url": f"{api}/events",
            "html_url": f"https://github.com/{owner_repo}/{'pull' if is_pr else 'issues'}/{number}",
            "id": 2000000000 + int(number),
            "node_id": f"{'PR' if is_pr else 'I'}_kwDOfake{number}",
            "number": int(number),
            "title": entry.get("title", ""),
            "user": self.user(base, entry.get("user", "octocat")),
            "labels": [{"name": name} for name in entry.get("labels", [])],
            "state": entry.get("state", "open"),
            # GitHub sets state_reason for closed issues; closed pull requests have none.
            "state_reason": entry.get("state_reason", "completed" if closed and not is_pr else None),
            "locked": False,
            "assignee": None,
            "assignees": [],
            "milestone": None,
            "comments": len(self.comments.get(str(number), [])),
            "created_at": FIXED_TIME,
            "updated_at": FIXED_TIME,
            "closed_at": entry.get("closed_at", FIXED_TIME) if closed else None,
            "author_association": "MEMBER",
            "body": entry.get("body"),
        }
        if is_pr:
            pr = f"{base}/repos/{owner_repo}/pulls/{number}"
            html = issue["html_url"]
            issue["pull_request"] = {
                "url": pr, "html_url": html, "diff_url": f"{html}.diff",
                "patch_url": f"{html}.patch", "merged_at": self.merged_at(entry),
            }
        return issue

    def repository_json(self, state, base):
        """GET /repos/{owner}/{repo}. `permissions` is what the token's user may do there, as
        GitHub answers an authenticated user; GitHub Actions' installation token gets none."""
        owner, name = state["repo"].split("/", 1)
        private = bool(state.get("private", False))
        repository = {
            "id": int(state.get("repo_id", 100000001)),
            "node_id": "R_kgDOfake",
            "name": name,
            "full_name": state["repo"],
            "private": private,
            "visibility": "private" if private else "public",
            "owner": self.user(base, owner),
            "html_url": f"https://github.com/{state['repo']}",
            "url": f"{base}/repos/{state['repo']}",
            "default_branch": state.get("default_branch", "main"),
            "has_issues": True,
            "archived": bool(state.get("archived", False)),
        }
        permissions = state.get("permissions", {"admin": False, "maintain": False, "push": True,
                                                "triage": True, "pull": True})
        if permissions is not None:  # "permissions": null plays an installation token
            repository["permissions"] = permissions
        return repository

    def merged_at(self, entry):
        pr = entry.get("pull_request") or {}
        return pr.get("merged_at", FIXED_TIME) if pr.get("merged") else None

    def pull_json(self, state, base, number, entry):
        owner_repo = state["repo"]
        issue = self.issue_json(state, base, number, entry)
        merged = bool((entry.get("pull_request") or {}).get("merged"))
        ref = lambda name: {"label": f"{owner_repo.split('/')[0]}:{name}", "ref": name,
                            "sha": "0" * 40}
        return {
            "url": f"{base}/repos/{owner_repo}/pulls/{number}",
            "id": 3000000000 + int(number),
            "node_id": f"PR_kwDOfake{number}",
            "html_url": issue["html_url"],
            "diff_url": issue["html_url"] + ".diff",
            "patch_url": issue["html_url"] + ".patch",
            "issue_url": issue["url"],
            "comments_url": issue["comments_url"],
            "number": int(number),
            "state": issue["state"],
            "locked": False,
            "title": issue["title"],
            "user": issue["user"],
            "body": issue["body"],
            "labels": issue["labels"],
            "created_at": issue["created_at"],
            "updated_at": issue["updated_at"],
            "closed_at": issue["closed_at"],
            "merged_at": self.merged_at(entry),
            "merge_commit_sha": "1" * 40 if merged else None,
            "draft": False,
            "head": ref("feature"),
            "base": ref("main"),
            "merged": merged,
            "mergeable": None,
            "comments": issue["comments"],
        }

    # ---- request handling ---------------------------------------------------------------

    def is_authorized(self, headers):
        """`Authorization: Bearer TOKEN` or `Authorization: token TOKEN`, as GitHub accepts."""
        scheme, _, value = (headers.get("Authorization") or "").strip().partition(" ")
        return scheme.lower() in ("bearer", "token") and value.strip() == self.token

    def check_headers(self, headers):
        """GitHub's own checks, in the order GitHub applies them."""
        if not headers.get("User-Agent"):
            # GitHub's edge refuses requests without a User-Agent before looking at anything else.
            raise ApiError(403, "Request forbidden by administrative rules. Please make sure "
                                "your request has a User-Agent header",
                           f"{DOCS}/using-the-rest-api/getting-started-with-the-rest-api#user-agent")
        if not headers.get("Authorization"):
            raise ApiError(401, "Requires authentication", DOCS)
        if not self.is_authorized(headers):
            raise ApiError(401, "Bad credentials", DOCS)
        # GitHub itself is lenient here; the fake is strict so the client sends what GitHub asks.
        if GITHUB_ACCEPT not in headers.get("Accept", ""):
            raise ApiError(400, f"Send 'Accept: {GITHUB_ACCEPT}' (got "
                                f"{headers.get('Accept')!r})", DOCS)

    def take_fault(self, state, method, target):
        """The first fault that matches and still has count left; its count goes down by one."""
        for index, fault in enumerate(state.get("faults") or []):
            if fault.get("method") and fault["method"].upper() != method:
                continue
            if fault.get("path_contains") and fault["path_contains"] not in target:
                continue
            # Keyed by the fault's content too, so a test that rewrites the file with a
            # different fault at the same index gets a fresh count.
            key = (index, json.dumps(fault, sort_keys=True))
            remaining = self.fault_remaining.setdefault(key, int(fault.get("count", 1)))
            if remaining <= 0:
                continue
            self.fault_remaining[key] = remaining - 1
            return index, fault, remaining - 1
        return None

    def fault_error(self, fault):
        status = int(fault.get("status", 500))
        headers = {}
        if fault.get("rate_limited"):
            # Primary limit: no retry-after; the client must wait until x-ratelimit-reset.
            headers.update({"x-ratelimit-remaining": "0", "x-ratelimit-used": str(RATE_LIMIT),
                            "x-ratelimit-reset": str(int(time.time()) + int(fault.get("reset_in", 1)))})
            message = "API rate limit exceeded for user ID 1. If you reach out to GitHub Support " \
                      "for help, please include the request ID."
            doc = f"{DOCS}/overview/rate-limits-for-the-rest-api"
        elif fault.get("secondary") or status == 429:
            message = "You have exceeded a secondary rate limit. Please wait a few minutes " \
                      "before you try again. If you reach out to GitHub Support for help, " \
                      "please include the request ID."
            doc = f"{DOCS}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
        else:
            message = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
            doc = DOCS
        # Secondary limits and 429 carry retry-after (1 s unless given; "retry_after": null
        # leaves it out, as GitHub sometimes does). Other statuses carry it only when asked.
        if "retry_after" in fault:
            if fault["retry_after"] is not None:
                headers["retry-after"] = str(fault["retry_after"])
        elif fault.get("secondary") or status == 429:
            headers["retry-after"] = "1"
        return ApiError(status, fault.get("message", message), doc, headers)

    def handle(self, method, path, query, headers, raw_body, base):
        """Answers one API request. Returns (status, extra headers, JSON, fault, authorized)."""
        state = self.load_state()
        authorized, fault = self.is_authorized(headers), None
        try:
            self.check_headers(headers)
            self.rate_used += 1
            target = path + ("?" + urlencode(query) if query else "")
            taken = self.take_fault(state, method, target)
            if taken:
                fault = dict(taken[1], index=taken[0], remaining=taken[2])
                raise self.fault_error(taken[1])
            status, extra, payload = self.route(state, method, path, query, raw_body, base)
            return status, extra, payload, fault, authorized
        except ApiError as e:
            return e.status, e.headers, e.body, fault, authorized

    def route(self, state, method, path, query, raw_body, base):
        owner_repo = state["repo"]
        repo_id = str(state.get("repo_id", 100000001))
        # /repositories/{id}/... is the form GitHub uses in Link headers; serve it too.
        m = re.fullmatch(r"/repos/([^/]+)/([^/]+)(/.*)?", path)
        if m:
            # GitHub resolves owner and repository names case-insensitively.
            if f"{m.group(1)}/{m.group(2)}".lower() != owner_repo.lower():
                raise not_found()
            rest = m.group(3) or ""
            if rest == "":
                if method != "GET":
                    raise not_found(f"{DOCS}/repos/repos#get-a-repository")
                return 200, {}, self.repository_json(state, base)
        else:
            m = re.fullmatch(r"/repositories/(\d+)(/.*)", path)
            if not m or m.group(1) != repo_id:
                raise not_found()
            rest = m.group(2)
        issues = state.get("issues") or {}

        if m := re.fullmatch(r"/issues/(\d+)", rest):
            number = str(int(m.group(1)))
            doc = f"{DOCS}/issues/issues#get-an-issue"
            if method != "GET" or number not in issues:
                raise not_found(doc)
            return 200, {}, self.issue_json(state, base, number, issues[number])

        if m := re.fullmatch(r"/pulls/(\d+)", rest):
            number = str(int(m.group(1)))
            doc = f"{DOCS}/pulls/pulls#get-a-pull-request"
            if method != "GET" or "pull_request" not in issues.get(number, {}):
                raise not_found(doc)
            return 200, {}, self.pull_json(state, base, number, issues[number])

        if m := re.fullmatch(r"/issues/(\d+)/comments", rest):
            number = str(int(m.group(1)))
            if method == "GET":
                doc = f"{DOCS}/issues/comments#list-issue-comments"
                if number not in issues:
                    raise not_found(doc)
                return self.list_comments(state, base, number, path, query, repo_id)
            if method == "POST":
                doc = f"{DOCS}/issues/comments#create-an-issue-comment"
                if number not in issues:
                    raise not_found(doc)
                self.check_may_comment(state, doc)
                body = self.comment_body(raw_body, doc)
                stamp = now_iso()
                comment = self.add_comment(state, number, body, None, stamp, stamp)
                payload = self.comment_json(state, base, comment)
                return 201, {"Location": payload["url"]}, payload
            raise not_found()

        if m := re.fullmatch(r"/issues/comments/(\d+)", rest):
            comment = self.comments_by_id.get(int(m.group(1)))
            if method == "GET":
                if not comment:
                    raise not_found(f"{DOCS}/issues/comments#get-an-issue-comment")
                return 200, {}, self.comment_json(state, base, comment)
            if method == "PATCH":
                doc = f"{DOCS}/issues/comments#update-an-issue-comment"
                if not comment:
                    raise not_found(doc)
                self.check_may_comment(state, doc)
                comment["body"] = self.comment_body(raw_body, doc)
                comment["updated_at"] = now_iso()
                return 200, {}, self.comment_json(state, base, comment)
            raise not_found()

        raise not_found()

    def check_may_comment(self, state, doc):
        if state.get("comments_forbidden"):
            raise ApiError(403, "Resource not accessible by personal access token", doc)

    def comment_body(self, raw_body, doc):
        """The "body" of a create/update request, validated as GitHub does."""
        try:
            data = json.loads(raw_body.decode("utf-8")) if raw_body else None
        except (UnicodeDecodeError, ValueError):
            raise ApiError(400, "Problems parsing JSON", doc)
        if not isinstance(data, dict):
            raise ApiError(422, f"Invalid request.\n\nFor 'links/0/schema', {json.dumps(data)} "
                                "is not an object.", doc)
        if "body" not in data:
            raise ApiError(422, 'Invalid request.\n\n"body" wasn\'t supplied.', doc)
        body = data["body"]
        if not isinstance(body, str):
            raise ApiError(422, f"Invalid request.\n\nFor 'properties/body', {json.dumps(body)} "
                                "is not a string.", doc)
        problem = None
        if not body.strip():
            problem = "Body cannot be blank"
        elif len(body) > MAX_COMMENT_CHARS:
            problem = f"Body is too long (maximum is {MAX_COMMENT_CHARS} characters)"
        if problem:
            raise ApiError(422, "Validation Failed", doc, extra={"errors": [
                {"resource": "IssueComment", "code": "unprocessable", "field": "data",
                 "message": problem}]})
        return body

    def list_comments(self, state, base, number, path, query, repo_id):
        # Pagination as GitHub does it: per_page defaults to 30 and is capped at 100; bad
        # values fall back to the defaults; pages past the end are empty.
        def number_param(name, default, low, high):
            try:
                value = int(query.get(name, default))
            except ValueError:
                return default
            return default if value < low else min(value, high)

        per_page = number_param("per_page", 30, 1, 100)
        page = number_param("page", 1, 1, 10 ** 9)
        items = sorted(self.comments.get(number, []), key=lambda c: c["id"])
        if "since" in query:  # ISO 8601 "Z" timestamps compare correctly as strings
            items = [c for c in items if c["updated_at"] >= query["since"]]
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page: page * per_page]
        headers = {}
        if last > 1:
            # GitHub's Link URLs use /repositories/{id}/..., not /repos/{owner}/{repo}/...:
            # a client must follow them as given rather than rebuild them.
            link_path = f"/repositories/{repo_id}/issues/{number}/comments"

            def link(p, rel):
                params = dict(query, per_page=str(per_page), page=str(p))
                return f'<{base}{link_path}?{urlencode(params)}>; rel="{rel}"'

            rels = []
            if page > 1:
                rels.append(link(min(page - 1, last), "prev"))
            if page < last:
                rels += [link(page + 1, "next"), link(last, "last")]
            if page > 1:
                rels.append(link(1, "first"))
            headers["Link"] = ", ".join(rels)
        return 200, headers, [self.comment_json(state, base, c) for c in chunk]

    def dump(self, base):
        """GET /_state: what the tests need to check, without going through the API."""
        state = self.last_good_state
        comments = {}
        for issue, items in self.comments.items():
            ordered = sorted(items, key=lambda c: c["id"])
            comments[issue] = [self.comment_json(state, base, c) for c in ordered]
        faults = {str(index): left for (index, _), left in self.fault_remaining.items()}
        return {"comments": comments, "requests": self.requests, "faults_remaining": faults}

    def log_request(self, entry):
        """One JSON line per API request, flushed at once:

            {"seq": 1, "time": "2024-...Z", "method": "POST",
             "path": "/repos/org/repo/issues/123/comments", "query": {"per_page": "1"},
             "headers": {"user-agent": "...", "authorization": "<redacted>", ...},  # lowercase
             "authorized": true, "body": {"body": "..."}, "body_is_json": true,
             "status": 201,
             "fault": null | {"index": 0, "remaining": 0, "status": 429, ...the fault as given...},
             "connection": 53124}   # the client's port: requests on one connection share it

        `body` is the parsed JSON when the request body is JSON, else its text, else null.
        """
        if self.log:
            self.log.write(json.dumps(entry, sort_keys=True) + "\n")
            self.log.flush()


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps connections alive, as URLSession expects of api.github.com.
    protocol_version = "HTTP/1.1"

    def version_string(self):
        return "GitHub.com"

    def do_GET(self):
        self.serve("GET")

    def do_POST(self):
        self.serve("POST")

    def do_PATCH(self):
        self.serve("PATCH")

    def do_PUT(self):
        self.serve("PUT")

    def do_DELETE(self):
        self.serve("DELETE")

    def log_message(self, *args):
        pass  # the --log file is the record; keep stderr for real problems

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def serve(self, method):
        fake = self.server.fake
        raw_body = self.read_body()
        split = urlsplit(self.path)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        # API URLs in responses point back at this server, as they would at api.github.com.
        base = "http://" + (self.headers.get("Host") or "127.0.0.1:%d" % self.server.server_port)

        with fake.lock:
            if split.path == "/_state" and method == "GET":
                self.respond(200, {}, fake.dump(base), fake)
                return
            fake.requests += 1
            seq = fake.requests
            status, extra, payload, fault, authorized = fake.handle(
                method, split.path, query, self.headers, raw_body, base)
            self.respond(status, extra, payload, fake)

            headers = {k.lower(): v for k, v in self.headers.items()}
            if "authorization" in headers:
                headers["authorization"] = "<redacted>"
            try:
                body, is_json = json.loads(raw_body.decode("utf-8")), True
            except (UnicodeDecodeError, ValueError):
                body, is_json = raw_body.decode("utf-8", "replace") if raw_body else None, False
            fake.log_request({
                "seq": seq, "time": now_iso(), "method": method, "path": split.path,
                "query": query, "headers": headers, "authorized": authorized,
                "body": body, "body_is_json": is_json, "status": status, "fault": fault,
                "connection": self.client_address[1],
            })

    def respond(self, status, extra, payload, fake):
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Content-Length": str(len(data)),
            "x-github-api-version-selected":
                self.headers.get("X-GitHub-Api-Version") or DEFAULT_API_VERSION,
            "x-github-media-type": "github.v3; format=json",
            "x-github-request-id": uuid.uuid4().hex[:20].upper(),
            "x-ratelimit-limit": str(RATE_LIMIT),
            "x-ratelimit-remaining": str(max(0, RATE_LIMIT - fake.rate_used)),
            "x-ratelimit-used": str(min(RATE_LIMIT, fake.rate_used)),
            "x-ratelimit-reset": str(fake.reset_at),
            "x-ratelimit-resource": "core",
        }
        scopes = (fake.last_good_state or {}).get("scopes")
        if scopes is not None:
            headers["X-OAuth-Scopes"] = scopes
            headers["X-Accepted-OAuth-Scopes"] = "repo"
        headers.update(extra)  # a fault's rate-limit headers override the defaults
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--state", required=True, help="JSON state file, re-read per request")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--token", default="test-token", help="the only accepted token")
    parser.add_argument("--log", help="append one JSON line per request here")
    args = parser.parse_args()

    fake = Fake(args.state, args.token, args.log)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True  # idle keep-alive connections must not hold up exit
    server.fake = fake

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    # serve_forever runs on a thread so that the main thread can wait for the signal and
    # then call shutdown(), which would deadlock if called from serve_forever's own thread.
    thread = threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True)
    thread.start()
    print(f"listening http://127.0.0.1:{server.server_port}", flush=True)
    stop.wait()
    server.shutdown()
    server.server_close()
    if fake.log:
        fake.log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
