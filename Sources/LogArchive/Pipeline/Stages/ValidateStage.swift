/// Checks the request before anything is touched: the logs dir exists, the store can be written,
/// the index reads, the issue is not already archived, and (for `issue_closed` / `pr_merged`) that
/// the issue really ended.
public struct ValidateStage: PipelineStage {
    public static let name = StageName.validate

    public init() {}

    public func run(_ request: ArchiveRequest, in context: PipelineContext) throws -> StageResult<ValidationOutcome> {
        let logsDirectory = context.settings.logsDirectory
        guard FileSystem.isDirectory(logsDirectory) else {
            throw ArchiveError.badInput("logs directory \(logsDirectory) does not exist or is not a directory (set it with --logs-dir)")
        }
        // An endpoint that does not answer is retried for about 15 s: say so after the first failure.
        try context.store.checkWritable(onRetry: { attempt, error, delay in
            context.notice(
                "the store \(context.store.location) did not answer (\(error)); retrying in \(UploadStage.seconds(delay)) (attempt \(attempt + 1))")
        })
        // A stopped run's journal begins with the entry that run was writing (newer than the
        // index's, if any) and knows which of its files it stored since.
        let previous = try UploadJournal.stoppedRun(logsDirectory: logsDirectory, issue: request.issue)
            ?? context.index.entry(for: request.issue).map { UploadJournal.replay(onto: $0, logsDirectory: logsDirectory) }
        switch request.mode {
        case .reindexOnly:
            let entry = try StoreReindexer(context: context).rebuild(issue: request.issue, previous: previous)
            return .completed(.reindexed(entry), "entry rebuilt from the store")
        case .retry:
            guard let previous else {
                throw ArchiveError.badInput(
                    "issue #\(request.issue) has no archive to retry; archive it with: logarchive \(request.issue)")
            }
            if previous.uploadComplete, ValidateStage.uncleanedCopies(of: previous, in: context).isEmpty {
                return .completed(.alreadyArchived(previous), "nothing to retry: every file is uploaded")
            }
        case .archive:
            // An entry with no logs (written by a version that recorded runs that found none) does
            // not count as archived: the logs that came since are archived normally.
            if let previous, previous.uploadComplete, !previous.logs.isEmpty, !request.force,
                ValidateStage.uncleanedCopies(of: previous, in: context).isEmpty
            {
                return .completed(.alreadyArchived(previous), "already archived at \(previous.archivedAt); --force archives again")
            }
        }
        let lifecycle = try LifecycleCheck.verify(request.reason, issue: request.issue, github: context.github)
        let validated = ValidatedArchive(
            request: request, previousEntry: previous, issueTitle: lifecycle.issue?.title, issueURL: lifecycle.issue?.htmlURL)
        var detail = "issue #\(request.issue): \(lifecycle.note)"
        if let previous {
            if previous.logs.isEmpty {
                detail += "; an earlier run recorded no logs"
            } else if !previous.uploadComplete {
                detail += "; completing the partial archive"
            } else if request.force {
                detail += "; archiving again (--force)"
            } else {
                let copies = ValidateStage.uncleanedCopies(of: previous, in: context)
                detail += "; finishing the archive a stopped run left: \(copies.count) stored \(copies.count == 1 ? "log is" : "logs are") still local"
            }
        }
        return .completed(.proceed(validated), detail)
    }
}

extension ValidateStage {
    /// Logs the entry records as uploaded whose local copy is still there, as big and as old as the
    /// one archived: a run stopped after its uploads (killed before or during the clean) left them.
    /// Such an entry is complete but not finished; running again goes through the stages after
    /// the upload (the stored objects are found by checksum, not sent again) instead of skipping.
    /// A file of the same name written since (a reopened issue's new log) has another modification
    /// time: it is a new log, archived only with `--force`, and never in place of the stored one.
    static func uncleanedCopies(of entry: ArchiveEntry, in context: PipelineContext) -> [String] {
        entry.logs.compactMap { log in
            guard log.uploadStatus == .uploaded, let path = context.absoluteLocalPath(log.localPath),
                let status = try? FileStatus.of(path, followSymlinks: true), log.isUntouchedCopy(status: status)
            else { return nil }
            return path
        }
    }
}

/// The lifecycle check of `--reason`: `manual` checks nothing (but reads the issue's title when it
/// can); `issue_closed` needs the issue closed and `pr_merged` the pull request merged, through the
/// GitHub API.
public enum LifecycleCheck {
    public static func verify(_ reason: ArchiveReason, issue: IssueNumber, github: GitHubClient?) throws(ArchiveError)
        -> (note: String, issue: GitHubClient.Issue?)
    {
        if reason == .manual {
            let details = try? github?.issue(issue)
            return ("lifecycle not checked (reason manual)", details)
        }
        let what = reason == .issueClosed ? "issue #\(issue) is closed" : "pull request #\(issue) is merged"
        guard let github else {
            throw .refused("cannot verify that \(what): no GitHub token (set GITHUB_TOKEN or GH_TOKEN), or archive with --reason manual")
        }
        do {
            let details = try github.issue(issue)
            switch reason {
            case .issueClosed:
                guard details.state == "closed" else {
                    throw ArchiveError.refused("issue #\(issue) is \(details.state), not closed: nothing was archived")
                }
            case .prMerged:
                guard details.isPullRequest else {
                    throw ArchiveError.refused("#\(issue) is an issue, not a pull request: --reason pr_merged does not apply")
                }
                // The issue's answer says so on github.com: one request fewer than asking the pulls API.
                guard try details.isMerged ?? github.isMerged(issue) else {
                    throw ArchiveError.refused("pull request #\(issue) is not merged: nothing was archived")
                }
            case .manual:
                break
            }
            return (reason == .issueClosed ? "issue is closed" : "pull request is merged", details)
        } catch let error as ArchiveError {
            throw error
        } catch let error as GitHubError where error.status == 404 {
            throw .refused("cannot verify that \(what): GitHub has no #\(issue) in \(github.repository)")
        } catch let error as GitHubError where (400..<500).contains(error.status) && !error.rateLimited {
            // GitHub answered, and the answer stops the archive (a bad token, no access).
            throw .refused("cannot verify that \(what): GitHub refused the request: \(error)")
        } catch {
            // Unreachable, or a server error or rate limit after every retry: not a refusal of
            // the archive, a failure to ask (exit 1), with the cause.
            throw .failure("cannot verify that \(what): GitHub could not be reached after retries: \(error)")
        }
    }
}
