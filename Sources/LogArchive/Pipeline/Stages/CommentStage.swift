/// The summary comment on the issue. Posting needs the GitHub client; until then the stage says
/// plainly why it did not comment.
public struct CommentStage: PipelineStage {
    public static let name = StageName.comment

    public init() {}

    public func run(_ indexed: IndexedArchive, in context: PipelineContext) throws -> StageResult<IndexedArchive> {
        guard context.settings.comment else { return .skipped(indexed, "--no-comment") }
        guard context.settings.github.token != nil else {
            return .skipped(indexed, "no GitHub token (set GITHUB_TOKEN or GH_TOKEN to comment on the issue)")
        }
        return .skipped(indexed, "this build of logarchive cannot post GitHub comments yet")
    }
}
