import Logging

/// The git work tree that holds the logs dir, used to commit the index alone.
public struct GitRepository: Sendable {
    public let root: String
    let runner: ProcessRunner

    /// The work tree containing `directory`, or nil when it is not inside one (or git is missing).
    /// `logger` hears each git command it runs.
    public static func containing(_ directory: String, environment: [String: String], logger: Logger = .discarding)
        -> GitRepository?
    {
        let runner = ProcessRunner(environment: environment, logger: logger)
        guard let result = try? runner.run("git", ["rev-parse", "--show-toplevel"], in: directory), result.succeeded
        else { return nil }
        let root = result.output.trimmingWhitespace()
        return root.isEmpty ? nil : GitRepository(root: root, runner: runner)
    }

    /// `git remote get-url origin`, or nil.
    public func originURL() -> String? {
        guard let result = try? runner.run("git", ["remote", "get-url", "origin"], in: root), result.succeeded else { return nil }
        let url = result.output.trimmingWhitespace()
        return url.isEmpty ? nil : url
    }

    public enum CommitOutcome: Sendable, Equatable {
        case committed(sha: String)
        case nothingToCommit
    }

    /// Commits `path`, the files `globs` match (absolute patterns such as `/repo/logs/dir/*.json`,
    /// additions, changes and removals alike), and the removal of those `removedPaths` that git
    /// tracks, and nothing else: whatever else the user has staged stays staged and out of this
    /// commit (`git commit --only -- paths`). Logs that were committed to the repository and are
    /// now in the store leave it with the index commit; untracked ones are no concern of git's.
    public func commitOnly(_ absolutePath: String, globs: [String] = [], removing removedPaths: [String] = [], message: String)
        throws(ArchiveError) -> CommitOutcome
    {
        let path = pathInWorkTree(absolutePath)
        var paths = [path]
        for glob in globs {
            let folder = pathInWorkTree(Paths.parent(of: glob))
            let pattern = ":(glob)" + (folder.isEmpty ? "" : folder + "/") + Paths.lastComponent(of: glob)
            // A pattern that matches no file, on disk or in git, would stop `git add`.
            let tracked = try git(["ls-files", "--", pattern], doing: "list index files")
            let present = (try? FileSystem.contents(of: Paths.parent(of: glob)))?.contains { $0.hasSuffix(".json") } ?? false
            if present || !tracked.output.isEmpty { paths.append(pattern) }
        }
        if !removedPaths.isEmpty {
            let candidates = removedPaths.map(pathInWorkTree)
            let tracked = try git(["ls-files", "-z", "--"] + candidates, doing: "list tracked logs")
            paths += tracked.output.split(separator: "\0").map(String.init).filter { !FileSystem.exists(Paths.join(root, $0)) }
        }
        try git(["add", "--all", "--"] + paths, doing: "stage \(path)")
        let diff = try run(["diff", "--cached", "--quiet", "--"] + paths)
        if diff.status == 0 { return .nothingToCommit }
        let commit = try run(["commit", "--quiet", "--no-verify", "-m", message, "--only", "--"] + paths)
        guard commit.succeeded else { throw commitFailure(commit) }
        let head = try run(["rev-parse", "HEAD"])
        return .committed(sha: head.output.trimmingWhitespace())
    }

    /// A failed commit, with the fix spelled out when git lacks an identity.
    func commitFailure(_ result: ProcessRunner.Result) -> ArchiveError {
        let detail = result.errorOutput + result.output
        if detail.contains("Please tell me who you are") || detail.contains("empty ident") {
            return .failure(
                "git has no identity to commit with: set user.name and user.email (git config user.email you@example.com) or GIT_AUTHOR_NAME/GIT_AUTHOR_EMAIL and GIT_COMMITTER_NAME/GIT_COMMITTER_EMAIL"
            )
        }
        return .failure("git commit failed: \(detail.trimmingWhitespace())")
    }

    /// `absolutePath` relative to the work tree's root, as git names it (symlinks such as /tmp
    /// resolved).
    func pathInWorkTree(_ absolutePath: String) -> String {
        let parent = FileSystem.resolvedPath(Paths.parent(of: absolutePath)) ?? Paths.parent(of: absolutePath)
        let resolvedRoot = FileSystem.resolvedPath(root) ?? root
        return Paths.relative(Paths.join(parent, Paths.lastComponent(of: absolutePath)), to: resolvedRoot) ?? absolutePath
    }

    @discardableResult
    func git(_ arguments: [String], doing what: String, environment extra: [String: String] = [:]) throws(ArchiveError)
        -> ProcessRunner.Result
    {
        let result = try run(arguments, environment: extra)
        guard result.succeeded else {
            throw .failure("cannot \(what) with git: \(GitRepository.gist(of: result.errorOutput + result.output))")
        }
        return result
    }

    /// git's answer in one line: its `fatal:`/`error:` line (the rest is advice for a terminal),
    /// and for a lock file left behind, what to do about it.
    static func gist(of output: String) -> String {
        let lines = output.split(whereSeparator: \.isNewline).map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        let line = lines.first { $0.hasPrefix("fatal:") || $0.hasPrefix("error:") } ?? lines.first ?? "no message"
        guard line.contains(".lock'"), line.contains("File exists") else { return Wording.oneLine(line) }
        return Wording.oneLine(line)
            + " (another git is running, or a stopped one left the lock: once none runs, remove the lock and run logarchive again to commit)"
    }

    func run(_ arguments: [String], environment extra: [String: String] = [:]) throws(ArchiveError) -> ProcessRunner.Result {
        var runner = runner
        runner.environment.merge(extra) { _, new in new }
        do {
            return try runner.run("git", arguments, in: root)
        } catch {
            throw .failure("cannot run git: \(error)")
        }
    }
}
