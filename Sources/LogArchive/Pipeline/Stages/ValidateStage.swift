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
        try context.store.checkWritable()
        let index = try context.index.read()
        let previous = index.entry(for: request.issue)
        switch request.mode {
        case .reindexOnly:
            let entry = try StoreReindexer(context: context).rebuild(issue: request.issue, previous: previous)
            return .completed(.reindexed(entry), "entry rebuilt from the store")
        case .retry:
            guard let previous else {
                throw ArchiveError.badInput(
                    "issue #\(request.issue) has no archive to retry; archive it with: logarchive \(request.issue)")
            }
            if previous.uploadComplete {
                return .completed(.alreadyArchived(previous), "nothing to retry: every file is uploaded")
            }
        case .archive:
            if let previous, previous.uploadComplete, !request.force {
                return .completed(.alreadyArchived(previous), "already archived at \(previous.archivedAt); --force archives again")
            }
        }
        let lifecycle = try LifecycleCheck.verify(request.reason, issue: request.issue, github: context.settings.github)
        let validated = ValidatedArchive(request: request, previousEntry: previous, issueTitle: nil, issueURL: nil)
        var detail = "issue #\(request.issue): \(lifecycle)"
        if let previous {
            detail += previous.uploadComplete ? "; archiving again (--force)" : "; completing the partial archive"
        }
        return .completed(.proceed(validated), detail)
    }
}

/// The lifecycle check of `--reason`: `manual` checks nothing; `issue_closed` and `pr_merged`
/// need the GitHub API.
public enum LifecycleCheck {
    public static func verify(_ reason: ArchiveReason, issue: IssueNumber, github: GitHubSettings) throws(ArchiveError) -> String {
        switch reason {
        case .manual:
            return "lifecycle not checked (reason manual)"
        case .issueClosed, .prMerged:
            let what = reason == .issueClosed ? "issue #\(issue) is closed" : "pull request #\(issue) is merged"
            guard github.token != nil else {
                throw .refused(
                    "cannot verify that \(what): no GitHub token (set GITHUB_TOKEN or GH_TOKEN), or archive with --reason manual"
                )
            }
            throw .refused(
                "cannot verify that \(what): this build of logarchive has no GitHub client yet; archive with --reason manual"
            )
        }
    }
}
