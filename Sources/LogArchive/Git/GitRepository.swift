/// The git work tree that holds the logs dir, used to commit the index alone.
public struct GitRepository: Sendable {
    public let root: String
    private let runner: ProcessRunner

    /// The work tree containing `directory`, or nil when it is not inside one (or git is missing).
    public static func containing(_ directory: String, environment: [String: String]) -> GitRepository? {
        let runner = ProcessRunner(environment: environment)
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

    /// Commits `path` and nothing else: whatever else the user has staged stays staged and out of
    /// this commit (`git commit --only -- path`).
    public func commitOnly(_ absolutePath: String, message: String) throws(ArchiveError) -> CommitOutcome {
        // git wants a path inside the work tree as it sees it (symlinks such as /tmp resolved).
        let parent = FileSystem.resolvedPath(Paths.parent(of: absolutePath)) ?? Paths.parent(of: absolutePath)
        let resolvedRoot = FileSystem.resolvedPath(root) ?? root
        let path = Paths.relative(Paths.join(parent, Paths.lastComponent(of: absolutePath)), to: resolvedRoot) ?? absolutePath
        try git(["add", "--", path], doing: "stage \(path)")
        let diff = try run(["diff", "--cached", "--quiet", "--", path])
        if diff.status == 0 { return .nothingToCommit }
        let commit = try run(["commit", "--quiet", "--no-verify", "-m", message, "--only", "--", path])
        guard commit.succeeded else {
            let detail = commit.errorOutput + commit.output
            if detail.contains("Please tell me who you are") || detail.contains("empty ident") {
                throw .failure(
                    "git has no identity to commit with: set user.name and user.email (git config user.email you@example.com) or GIT_AUTHOR_NAME/GIT_AUTHOR_EMAIL and GIT_COMMITTER_NAME/GIT_COMMITTER_EMAIL"
                )
            }
            throw .failure("git commit failed: \(detail.trimmingWhitespace())")
        }
        let head = try run(["rev-parse", "HEAD"])
        return .committed(sha: head.output.trimmingWhitespace())
    }

    @discardableResult
    private func git(_ arguments: [String], doing what: String) throws(ArchiveError) -> ProcessRunner.Result {
        let result = try run(arguments)
        guard result.succeeded else {
            throw .failure("cannot \(what) with git: \((result.errorOutput + result.output).trimmingWhitespace())")
        }
        return result
    }

    private func run(_ arguments: [String]) throws(ArchiveError) -> ProcessRunner.Result {
        do {
            return try runner.run("git", arguments, in: root)
        } catch {
            throw .failure("cannot run git: \(error)")
        }
    }
}
