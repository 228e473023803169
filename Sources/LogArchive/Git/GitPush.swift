import Foundation

/// Pushing the index commit when another job may have pushed first.
///
/// A rejected push is not rebased in the user's work tree: the local commits are replayed onto the
/// fetched remote head in a temporary git index (`read-tree -m`, `write-tree`, `commit-tree`), the
/// one file both sides may change (the archive index) is merged by the caller, and only once the
/// replayed commit is pushed are the branch and work tree moved to it. Other staged or unstaged
/// changes of the user are carried along untouched, and an interrupted run leaves no rebase behind.
extension GitRepository {
    public struct PushOutcome: Sendable, Equatable {
        public let remote: String
        public let remoteRef: String
        /// The commit the remote branch now points at.
        public let head: String
        /// 1 when the first push went through.
        public let attempts: Int
        /// The files, by their path in the work tree, that both the pushed commits and the remote
        /// had changed and `resolve` merged; empty when replaying needed no merge.
        public let mergedFiles: [String]
    }

    /// Merges the three versions of a file that both the remote and the local commits changed:
    /// the common base's (nil when it had none), the remote's and the local one.
    public typealias ConflictResolver = (_ base: [UInt8]?, _ upstream: [UInt8]?, _ local: [UInt8]?) throws -> [UInt8]

    /// Pushes the current branch to its upstream (or `origin`, same branch name). When the push is
    /// rejected because the remote moved, fetches, replays the local commits onto it (resolving
    /// conflicts in the files `isMergeable` accepts, by their path in the work tree, with
    /// `resolve`, refusing any other) and tries again, up to `attempts` times; `pause(attempt)`
    /// waits between attempts.
    public func push(
        mergingConflictsIn isMergeable: (String) -> Bool, with resolve: ConflictResolver, attempts: Int = 5,
        pause: (Int) -> Void = { _ in }
    ) throws(ArchiveError) -> PushOutcome {
        let branchResult = try run(["symbolic-ref", "--quiet", "--short", "HEAD"])
        let branch = branchResult.output.trimmingWhitespace()
        guard branchResult.succeeded, !branch.isEmpty else {
            throw .failure("cannot push: HEAD is detached; check out the branch the index belongs on (in CI, check out the default branch)")
        }
        let remote = try configValue("branch.\(branch).remote") ?? "origin"
        let remoteRef = try configValue("branch.\(branch).merge") ?? "refs/heads/\(branch)"
        let localHead = try revision("HEAD")

        var candidate = localHead
        var merged: [String] = []
        for attempt in 1...max(1, attempts) {
            let push = try run(["push", "--porcelain", remote, "\(candidate):\(remoteRef)"])
            if push.succeeded {
                if candidate != localHead {
                    try moveBranch(branch, from: localHead, to: candidate)
                }
                return PushOutcome(remote: remote, remoteRef: remoteRef, head: candidate, attempts: attempt, mergedFiles: merged)
            }
            let detail = (push.output + push.errorOutput).trimmingWhitespace()
            guard GitRepository.remoteMovedOn(detail) else {
                throw .failure("git push to \(remote) failed: \(detail)")
            }
            guard attempt < attempts else { break }
            pause(attempt)
            let fetch = try run(["fetch", "--quiet", remote, remoteRef])
            guard fetch.succeeded else {
                throw .failure("git fetch from \(remote) failed: \((fetch.errorOutput + fetch.output).trimmingWhitespace())")
            }
            (candidate, merged) = try replay(from: localHead, onto: try revision("FETCH_HEAD"), resolving: isMergeable, with: resolve)
        }
        throw .failure(
            "git push to \(remote) was rejected \(attempts) times because others kept pushing; the index is committed locally as \(localHead.prefix(12)): pull and push by hand"
        )
    }

    /// Whether a failed push failed because the remote branch moved on, so that fetching and
    /// replaying cures it: "[rejected]" (fetch first, non-fast-forward), or a push that lost the
    /// race for the ref on the server ("cannot lock ref", "failed to update ref"). A hook's other
    /// refusals, auth and network failures are not cured by rebasing.
    static func remoteMovedOn(_ detail: String) -> Bool {
        detail.contains("[rejected]") || detail.contains("cannot lock ref") || detail.contains("(failed to update ref)")
    }

    /// Replays the commits in `upstream..head` onto `upstream`, returning the new tip and the
    /// files that had to be merged on the way.
    private func replay(from head: String, onto upstream: String, resolving isMergeable: (String) -> Bool, with resolve: ConflictResolver)
        throws(ArchiveError) -> (tip: String, merged: [String])
    {
        let merges = try git(["rev-list", "--merges", "\(upstream)..\(head)"], doing: "list local merge commits")
        guard merges.output.trimmingWhitespace().isEmpty else {
            throw .failure("cannot rebase onto the remote: the local branch has merge commits; pull and push by hand")
        }
        let list = try git(["rev-list", "--reverse", "\(upstream)..\(head)"], doing: "list the local commits")
        let commits = list.output.split(separator: "\n").map(String.init)
        let gitDirectory = try absoluteGitDirectory()
        let scratchIndex = Paths.join(gitDirectory, "logarchive-rebase-\(getpid()).index")
        let scratchBlob = Paths.join(gitDirectory, "logarchive-rebase-\(getpid()).blob")
        defer {
            FileSystem.removeIfPresent(scratchIndex)
            FileSystem.removeIfPresent(scratchBlob)
        }
        let scratch = ["GIT_INDEX_FILE": scratchIndex]

        var tip = upstream
        var mergedPaths: [String] = []
        for commit in commits {
            let parent = try revision("\(commit)^")
            FileSystem.removeIfPresent(scratchIndex)
            try git(["read-tree", "-i", "-m", "--aggressive", parent, tip, commit], doing: "merge \(commit.prefix(12)) onto \(tip.prefix(12))", environment: scratch)
            let unmerged = try git(["ls-files", "-u", "-z", "--format=%(path)"], doing: "list conflicts", environment: scratch)
            let conflicted = Set(unmerged.output.split(separator: "\0").map(String.init))
            if let other = conflicted.first(where: { !isMergeable($0) }) {
                throw .failure("cannot rebase onto the remote: \(other) was changed both locally and on the remote; pull and push by hand")
            }
            // Each file on its own: two jobs that archived issues of different shards never get here.
            for path in conflicted.sorted() {
                let merged: [UInt8]
                do {
                    merged = try resolve(try blob(parent, path), try blob(tip, path), try blob(commit, path))
                } catch {
                    throw .failure("cannot merge \(path) with the remote's: \(error)")
                }
                do {
                    try FileSystem.writeAtomically(merged, to: scratchBlob)
                } catch {
                    throw .failure("cannot write the merged \(path): \(error)")
                }
                let object = try git(["hash-object", "-w", "--", scratchBlob], doing: "store the merged \(path)")
                try git(["update-index", "--force-remove", "--", path], doing: "resolve \(path)", environment: scratch)
                try git(["update-index", "--add", "--cacheinfo", "100644,\(object.output.trimmingWhitespace()),\(path)"], doing: "resolve \(path)", environment: scratch)
                if !mergedPaths.contains(path) { mergedPaths.append(path) }
            }
            let tree = try git(["write-tree"], doing: "write the merged tree", environment: scratch).output.trimmingWhitespace()
            // The commit's author and message, in one read: name, email, date, then the message.
            let described = try git(["log", "-1", "--format=%an%x00%ae%x00%ad%x00%B", "--date=raw", commit], doing: "read \(commit.prefix(12))")
            let fields = described.output.split(separator: "\0", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 4 else { throw .failure("cannot read the local commit \(commit.prefix(12)) with git") }
            let identity = ["GIT_AUTHOR_NAME": fields[0], "GIT_AUTHOR_EMAIL": fields[1], "GIT_AUTHOR_DATE": fields[2]]
            let message = fields[3].trimmingWhitespace()
            let created = try run(["commit-tree", tree, "-p", tip, "-m", message], environment: identity)
            guard created.succeeded else { throw commitFailure(created) }
            tip = created.output.trimmingWhitespace()
        }
        return (tip, mergedPaths)
    }

    /// Moves the checked-out branch from `old` to `new` as `git checkout` would: files that differ
    /// between the two are updated, the user's other changes (staged or not) are kept.
    private func moveBranch(_ branch: String, from old: String, to new: String) throws(ArchiveError) {
        let update = try run(["read-tree", "-m", "-u", old, new])
        guard update.succeeded else {
            throw .failure(
                "pushed as \(new.prefix(12)), but the work tree could not follow (\((update.errorOutput + update.output).trimmingWhitespace())); run git pull"
            )
        }
        try git(["update-ref", "-m", "logarchive: rebased onto the remote", "refs/heads/\(branch)", new, old], doing: "move \(branch)")
    }

    private func blob(_ commit: String, _ path: String) throws(ArchiveError) -> [UInt8]? {
        let exists = try run(["cat-file", "-e", "\(commit):\(path)"])
        guard exists.succeeded else { return nil }
        let content = try git(["cat-file", "blob", "\(commit):\(path)"], doing: "read \(path) at \(commit.prefix(12))")
        return Array(content.output.utf8)
    }

    private func configValue(_ key: String) throws(ArchiveError) -> String? {
        let value = try run(["config", "--get", key]).output.trimmingWhitespace()
        return value.isEmpty ? nil : value
    }

    private func revision(_ name: String) throws(ArchiveError) -> String {
        try git(["rev-parse", "--verify", "--quiet", "\(name)^{commit}"], doing: "resolve \(name)").output.trimmingWhitespace()
    }

    private func absoluteGitDirectory() throws(ArchiveError) -> String {
        try git(["rev-parse", "--absolute-git-dir"], doing: "find the .git folder").output.trimmingWhitespace()
    }
}
