import Foundation
import Glibc
import Logging

/// What `logarchive doctor` was asked to check.
public struct DoctorRequest: Sendable {
    /// `--logs-dir`, `--store`, `--config`, `--push`: resolved as the archive resolves them.
    public var overrides: SettingsOverrides
    /// `issue_closed` and `pr_merged` need a token that reads the issue (the lifecycle check).
    public var reason: ArchiveReason
    /// `--issue N`: read this issue rather than only the repository.
    public var issue: IssueNumber?

    public init(
        overrides: SettingsOverrides = SettingsOverrides(), reason: ArchiveReason = .manual, issue: IssueNumber? = nil
    ) {
        self.overrides = overrides
        self.reason = reason
        self.issue = issue
    }
}

/// The world `doctor` looks at, gathered by the caller so that tests can build it.
public struct DoctorContext: Sendable {
    public var environment: [String: String]
    public var currentDirectory: String
    /// Seconds since the epoch, now: compared with the store's `Date` header.
    public var clock: @Sendable () -> Double
    /// Unsigned requests of the clock check.
    public var http: HTTPClient
    /// Where the checks' requests are logged (`-v`).
    public var logger: Logger

    public init(
        environment: [String: String], currentDirectory: String,
        clock: @escaping @Sendable () -> Double = Doctor.systemClock,
        http: HTTPClient? = nil, logger: Logger = .discarding
    ) {
        self.environment = environment
        self.currentDirectory = currentDirectory
        self.clock = clock
        self.http = http ?? HTTPClient(logger: logger)
        self.logger = logger
    }
}

/// `logarchive doctor`: checks in one run what a first CI job needs (the store reachable and
/// writable, the clock, TLS, the repository, the GitHub token and what it may do, and git for
/// `--push`), each a `DoctorCheck` with its fix. It writes nothing but one probe object, which it
/// deletes, and never prints a secret.
public struct Doctor: Sendable {
    public let context: DoctorContext

    public init(context: DoctorContext) {
        self.context = context
    }

    public static let systemClock: @Sendable () -> Double = {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// The environment's retry policy with no retries: a check says at once what it found. An
    /// endpoint that refuses connections would otherwise take 14 s of backoff to be reported.
    static func retryPolicy(_ settings: Settings) throws(ArchiveError) -> RetryPolicy {
        var policy = try settings.retryPolicy()
        policy.maximumRetrySeconds = 0
        return policy
    }

    public func run(_ request: DoctorRequest) -> DoctorReport {
        let settings: Settings
        do {
            settings = try SettingsResolver(
                environment: context.environment, currentDirectory: context.currentDirectory
            )
            .resolve(request.overrides)
        } catch {
            return DoctorReport(checks: [
                .failed("settings", error.message, fix: "correct the flag, variable or config file the message names")
            ])
        }
        var checks = [configCheck(settings), logsDirectoryCheck(settings)]
        checks += storeChecks(settings)
        checks.append(tlsCheck(settings))
        let repository = findRepository(settings)
        checks.append(repository.check)
        checks += gitHubChecks(settings, repository: repository.name, request: request)
        checks += gitChecks(settings)
        if let sessions = claudeCleanupCheck() { checks.append(sessions) }
        return DoctorReport(checks: checks)
    }

    // MARK: Settings and logs

    func configCheck(_ settings: Settings) -> DoctorCheck {
        guard let file = settings.configFile else {
            return .ok("config", "no config file: flags, environment and defaults")
        }
        return .ok("config", "read \(file)")
    }

    func logsDirectoryCheck(_ settings: Settings) -> DoctorCheck {
        let path = settings.logsDirectory
        guard FileSystem.isDirectory(path) else {
            return .failed(
                "logs_dir", "\(path) does not exist or is not a directory: the archive would stop (exit 64)",
                fix:
                    "run in the repository that holds the logs, or give --logs-dir (config logs_dir, LOGARCHIVE_LOGS_DIR)"
            )
        }
        return .ok("logs_dir", path)
    }

    // MARK: The repository

    /// `owner/name` from `GITHUB_REPOSITORY`, the config file or the `origin` remote, as the
    /// archive finds it, with the check that says where it came from.
    func findRepository(_ settings: Settings) -> (name: String?, check: DoctorCheck) {
        if let name = settings.github.repository {
            let source =
                (context.environment["GITHUB_REPOSITORY"] ?? "").isEmpty
                ? "github_repository in \(settings.configFile ?? "the config file")" : "GITHUB_REPOSITORY"
            guard Self.isRepositoryName(name) else {
                return (
                    nil,
                    .failed(
                        "repository", "'\(name)' from \(source) is not owner/name",
                        fix: "set it as owner/name, e.g. org/repo")
                )
            }
            return (name, .ok("repository", "\(name) (from \(source))"))
        }
        let git = GitRepository.containing(settings.logsDirectory, environment: context.environment)
        let tokenSet = settings.github.token != nil
        let missing: DoctorCheck.Status = tokenSet ? .failed : .warning
        let consequence =
            tokenSet
            ? "a token is set, so the archive would stop (exit 64) before it starts"
            : "needed only for GitHub calls (the lifecycle check and the comment)"
        guard let remote = git?.originURL() else {
            let place = git == nil ? "the logs dir is not in a git work tree" : "the work tree has no remote 'origin'"
            return (
                nil,
                DoctorCheck(
                    "repository", missing, "not found: no GITHUB_REPOSITORY and \(place); \(consequence)",
                    fix:
                        "set GITHUB_REPOSITORY=owner/name (GitHub Actions sets it), or add the remote: git remote add origin URL"
                )
            )
        }
        guard let name = GitHubClient.repository(fromRemote: remote) else {
            return (
                nil,
                DoctorCheck(
                    "repository", missing,
                    "the origin remote (\(Self.withoutCredentials(remote))) names no GitHub owner/name; \(consequence)",
                    fix: "set GITHUB_REPOSITORY=owner/name")
            )
        }
        return (name, .ok("repository", "\(name) (from the origin remote)"))
    }

    static func isRepositoryName(_ name: String) -> Bool {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && !$0.contains(where: \.isWhitespace) }
    }

    /// A URL with any `user:password@` left out: remotes sometimes carry a token.
    static func withoutCredentials(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].firstIndex(of: "@") else {
            return url
        }
        let host = url[scheme.upperBound...].firstIndex(of: "/") ?? url.endIndex
        guard at < host else { return url }
        return String(url[..<scheme.upperBound]) + "…@" + String(url[url.index(after: at)...])
    }
}
