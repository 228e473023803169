import Foundation
import Glibc

import Logging

/// The few GitHub REST calls logarchive makes, over the HTTP layer, with the headers GitHub asks
/// for and the design's retry rules (rate limits back off; 401 and 404 are not retried). The token
/// is sent in the Authorization header and nowhere else: never printed, traced or indexed.
public struct GitHubClient: Sendable {
    public let apiURL: String
    public let repository: String
    private let token: String
    private let retry: RetryPolicy
    private let client: HTTPClient

    /// `logger` hears each request (the Authorization header redacted) and each retry decision.
    public init(apiURL: String, repository: String, token: String, retry: RetryPolicy, logger: Logger = .discarding) {
        self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
        self.repository = repository
        self.token = token
        var retry = retry
        retry.logger = logger
        self.retry = retry
        client = HTTPClient(logger: logger)
    }

    public struct Issue: Sendable {
        public let number: Int64
        public let title: String?
        public let state: String
        public let htmlURL: String?
        public let isPullRequest: Bool
        /// For a pull request, whether it is merged, from the issue's `pull_request.merged_at`;
        /// nil where the server does not say (older GitHub Enterprise), and `isMerged` must ask.
        public let isMerged: Bool?
    }

    public struct Comment: Sendable {
        public let id: Int64
        public let body: String
    }

    public func issue(_ number: IssueNumber) throws -> Issue {
        try Self.issue(number, from: try send("GET", "/repos/\(repository)/issues/\(number)"))
    }

    /// GitHub's answers are untrusted bytes: these decoders give a value or throw, whatever they hold.
    static func issue(_ number: IssueNumber, from response: HTTPResponse) throws -> Issue {
        let object = try json(response)
        return Issue(
            number: number.value, title: object["title"].flatMap(Self.string), state: object["state"].flatMap(Self.string) ?? "",
            htmlURL: object["html_url"].flatMap(Self.string), isPullRequest: object["pull_request"].map { $0 != .null } ?? false,
            isMerged: pullRequestMerged(object["pull_request"]))
    }

    private static func pullRequestMerged(_ value: JSONValue?) -> Bool? {
        guard case .object(let pullRequest)? = value, let mergedAt = pullRequest["merged_at"] else { return nil }
        return mergedAt != .null
    }

    public func isMerged(_ number: IssueNumber) throws -> Bool {
        let object = try Self.json(try send("GET", "/repos/\(repository)/pulls/\(number)"))
        return object["merged"] == .bool(true)
    }

    /// Every comment of the issue, following GitHub's `Link: rel="next"` pages.
    public func comments(_ number: IssueNumber) throws -> [Comment] {
        var comments: [Comment] = []
        var next: String? = apiURL + "/repos/\(repository)/issues/\(number)/comments?per_page=100"
        while let url = next {
            let response = try send("GET", url: url)
            comments += try Self.comments(from: response)
            next = GitHubClient.nextLink(response.header("link"))
            // The token goes with every page: only to the configured API's scheme, host and port.
            if let page = next, !isOnAPIHost(page) {
                throw GitHubError(
                    status: response.status, message: "the next page of comments is on another host (\(page))",
                    retryAfterSeconds: nil)
            }
        }
        return comments
    }

    static func comments(from response: HTTPResponse) throws -> [Comment] {
        guard case .array(let elements) = try JSONParser.parse(response.body) else {
            throw GitHubError(status: response.status, message: "the comment list is not an array", retryAfterSeconds: nil)
        }
        var comments: [Comment] = []
        for case .object(let object) in elements {
            guard case .integer(let id)? = object["id"] else { continue }
            comments.append(Comment(id: id, body: object["body"].flatMap(Self.string) ?? ""))
        }
        return comments
    }

    @discardableResult
    public func createComment(_ number: IssueNumber, body: String) throws -> Int64 {
        let object = try Self.json(try send("POST", "/repos/\(repository)/issues/\(number)/comments", body: body))
        guard case .integer(let id)? = object["id"] else { return 0 }
        return id
    }

    public func updateComment(_ id: Int64, body: String) throws {
        _ = try send("PATCH", "/repos/\(repository)/issues/comments/\(id)", body: body)
    }

    /// Whether `url` is on the configured API's origin, where the token may be sent.
    func isOnAPIHost(_ url: String) -> Bool {
        guard let api = URLAuthority(apiURL), let other = URLAuthority(url) else { return false }
        return api.isSameOrigin(as: other)
    }

    // MARK: Transport

    private func send(_ method: String, _ path: String, body: String? = nil) throws -> HTTPResponse {
        try send(method, url: apiURL + path, body: body)
    }

    private func send(_ method: String, url: String, body: String? = nil) throws -> HTTPResponse {
        var headers: [(name: String, value: String)] = [
            ("Accept", "application/vnd.github+json"), ("X-GitHub-Api-Version", "2022-11-28"),
            ("User-Agent", "logarchive/\(LogArchiveVersion.current)"), ("Authorization", "Bearer \(token)"),
        ]
        var requestBody = HTTPRequestBody.empty
        if let body {
            headers.append(("Content-Type", "application/json"))
            var object = JSONObject()
            object["body"] = .string(body)
            requestBody = .bytes(Array(JSONWriter.compact(.object(object)).utf8))
        }
        return try retry.run(stallTimeout: 30, classify: GitHubClient.classify) { attempt, stallTimeout in
            var request = HTTPRequest(method: method, url: url, headers: headers, body: requestBody, stallTimeoutSeconds: stallTimeout)
            request.attempt = attempt
            let response = try client.perform(request)
            guard (200..<300).contains(response.status) else { throw GitHubError(response) }
            return response
        }
    }

    private static func json(_ response: HTTPResponse) throws -> JSONObject {
        guard case .object(let object) = try JSONParser.parse(response.body) else {
            throw GitHubError(status: response.status, message: "the answer is not a JSON object", retryAfterSeconds: nil)
        }
        return object
    }

    private static func string(_ value: JSONValue) -> String? {
        if case .string(let text) = value { return text }
        return nil
    }

    /// The `rel="next"` URL of a `Link` header. The header is untrusted: the `>` is looked for after
    /// the `<`, so a part such as `>rel="next"<` is skipped rather than an inverted range.
    static func nextLink(_ header: String?) -> String? {
        guard let header else { return nil }
        for part in header.split(separator: ",") where part.contains("rel=\"next\"") {
            guard let open = part.firstIndex(of: "<") else { continue }
            let url = part[part.index(after: open)...]
            guard let close = url.firstIndex(of: ">") else { continue }
            return String(url[..<close])
        }
        return nil
    }

    static func classify(_ error: any Error) -> RetryPolicy.FailureClass {
        if let error = error as? GitHubError { return error.failureClass }
        return RetryPolicy.classifyTransport(error)
    }

    /// `owner/name` from a remote URL: `https://github.com/o/r(.git)` or `git@github.com:o/r(.git)`.
    public static func repository(fromRemote remote: String) -> String? {
        var text = remote.trimmingWhitespace()
        if text.hasSuffix(".git") { text = String(text.dropLast(4)) }
        if text.hasSuffix("/") { text = String(text.dropLast()) }
        let path: Substring
        if let scheme = text.range(of: "://") {
            let rest = text[scheme.upperBound...]
            guard let slash = rest.firstIndex(of: "/") else { return nil }
            path = rest[rest.index(after: slash)...]
        } else if let colon = text.firstIndex(of: ":") {
            path = text[text.index(after: colon)...]
        } else {
            return nil
        }
        let parts = path.split(separator: "/")
        guard parts.count == 2 else { return nil }
        return "\(parts[0])/\(parts[1])"
    }
}

/// A GitHub answer that is not a success.
public struct GitHubError: Error, Sendable, CustomStringConvertible {
    public let status: Int
    public let message: String
    public let retryAfterSeconds: Double?
    var rateLimited = false

    init(status: Int, message: String, retryAfterSeconds: Double?) {
        self.status = status
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    init(_ response: HTTPResponse) {
        status = response.status
        if case .object(let object)? = try? JSONParser.parse(response.body), case .string(let text)? = object["message"] {
            message = text
        } else {
            message = "HTTP \(response.status)"
        }
        var wait = response.header("retry-after").flatMap(Double.init)
        if response.header("x-ratelimit-remaining") == "0" {
            rateLimited = true
            if wait == nil, let reset = response.header("x-ratelimit-reset").flatMap(Double.init) {
                wait = max(0, reset - Double(time(nil)))
            }
        }
        retryAfterSeconds = wait
        if status == 403, wait != nil { rateLimited = true }
    }

    var failureClass: RetryPolicy.FailureClass {
        if status == 429 || rateLimited { return .rateLimited(retryAfterSeconds: retryAfterSeconds) }
        if (500...599).contains(status) { return .network }
        return .permanent
    }

    public var description: String { "GitHub answered HTTP \(status): \(message)" }
}

extension GitHubClient {
    /// What the token may do in the repository, as far as GitHub says (for `doctor`).
    public struct RepositoryAccess: Sendable {
        public let isPrivate: Bool
        /// The repository's `permissions` (`pull`, `triage`, `push`, `maintain`, `admin`): what the
        /// token's user may do there. Absent for GitHub Actions' installation token.
        public let permissions: [String: Bool]?
        /// `X-OAuth-Scopes`: a classic token's scopes; nil for fine-grained and installation tokens.
        public let scopes: [String]?
    }

    /// GET /repos/{owner}/{repo}: the repository can be read with the token, and what it allows.
    public func repositoryAccess() throws -> RepositoryAccess {
        let response = try send("GET", "/repos/\(repository)")
        let object = try Self.json(response)
        var permissions: [String: Bool]?
        if case .object(let given)? = object["permissions"] {
            permissions = [:]
            for member in given.members {
                if case .bool(let allowed) = member.value { permissions?[member.key] = allowed }
            }
        }
        let scopes = response.header("x-oauth-scopes").map {
            $0.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        }
        return RepositoryAccess(isPrivate: object["private"] == .bool(true), permissions: permissions, scopes: scopes)
    }
}
