/// The summary comment on the issue, posted once and updated in place on a re-run (found by its
/// hidden marker). A failure to comment is a warning: the archive stands.
public struct CommentStage: PipelineStage {
    public static let name = StageName.comment

    public init() {}

    public func run(_ indexed: IndexedArchive, in context: PipelineContext) throws -> StageResult<IndexedArchive> {
        guard context.settings.comment else { return .skipped(indexed, "--no-comment") }
        guard let github = context.github else {
            return .skipped(indexed, "no GitHub token (set GITHUB_TOKEN or GH_TOKEN to comment on the issue)")
        }
        var durations: [String: Int64] = [:]
        for log in indexed.logs where log.record.type == .session {
            if let seconds = IssueComment.sessionDuration(ofFileAt: log.log.path) {
                durations[log.record.filename] = seconds
            }
        }
        let issue = indexed.entry.issueNumber
        let body = IssueComment.body(for: indexed.entry, sessionDurations: durations)
        do {
            let marker = IssueComment.marker(issue)
            if let existing = try github.comments(issue).first(where: { $0.body.contains(marker) }) {
                try github.updateComment(existing.id, body: body)
                return .completed(indexed, "updated the comment on issue #\(issue)")
            }
            try github.createComment(issue, body: body)
            return .completed(indexed, "commented on issue #\(issue)")
        } catch {
            return .warning(indexed, "could not comment on issue #\(issue): \(error)")
        }
    }
}
