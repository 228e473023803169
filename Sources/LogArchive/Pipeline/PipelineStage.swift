/// One step of the archive pipeline: a type with one job whose output is the next stage's input.
public protocol PipelineStage: Sendable {
    associatedtype Input
    associatedtype Output

    static var name: StageName { get }

    /// Does the stage's work. Throwing stops the pipeline; a stage whose failure must not stop the
    /// archive (comment, clean, commit) reports it as a `.warning` instead.
    func run(_ input: Input, in context: PipelineContext) throws -> StageResult<Output>
}

public enum StageName: String, Sendable, CaseIterable {
    case validate, collect, compress, checksum, upload, index, comment, clean, commit
}

public enum StageStatus: String, Sendable {
    /// The stage did its work.
    case completed
    /// The stage had nothing to do or was turned off; the detail says why.
    case skipped
    /// The stage failed in a way that does not stop the archive; the detail says what.
    case warning
    /// The stage failed and stopped the pipeline.
    case failed
    /// An earlier stage stopped the pipeline before this one.
    case notRun = "not_run"
}

public struct StageResult<Output> {
    public var output: Output
    public var status: StageStatus
    public var detail: String

    public static func completed(_ output: Output, _ detail: String) -> StageResult {
        StageResult(output: output, status: .completed, detail: detail)
    }

    public static func skipped(_ output: Output, _ reason: String) -> StageResult {
        StageResult(output: output, status: .skipped, detail: reason)
    }

    public static func warning(_ output: Output, _ problem: String) -> StageResult {
        StageResult(output: output, status: .warning, detail: problem)
    }
}

/// What the runner recorded about one stage.
public struct StageRecord: Sendable, Equatable {
    public let name: StageName
    public let status: StageStatus
    public let detail: String
    public let durationNanoseconds: UInt64
}
