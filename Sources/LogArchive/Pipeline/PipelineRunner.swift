/// Runs stages one after another, recording each one's outcome and duration. The first stage that
/// throws stops the run: it is recorded as failed and the stages after it as not run.
public final class PipelineRunner {
    public private(set) var records: [StageRecord] = []
    private let context: PipelineContext

    public init(context: PipelineContext) {
        self.context = context
    }

    public func run<Stage: PipelineStage>(_ stage: Stage, _ input: Stage.Input) throws -> Stage.Output {
        let started = MonotonicClock.nanoseconds()
        let traceStart = TraceTimestamp.now()
        context.note("stage.start", by: "pipeline", about: Stage.name.rawValue, "starting \(Stage.name.rawValue)", severity: .debug)
        do {
            let result = try stage.run(input, in: context)
            record(Stage.name, result.status, result.detail, since: started)
            context.note(
                "stage.end", by: "pipeline", about: Stage.name.rawValue, "\(result.status.rawValue): \(result.detail)",
                severity: result.status == .warning ? .warning : .info, since: traceStart)
            return result.output
        } catch {
            record(Stage.name, .failed, "\(error)", since: started)
            context.note("stage.end", by: "pipeline", about: Stage.name.rawValue, "failed: \(error)", severity: .error, since: traceStart)
            throw error
        }
    }

    /// Records a stage that was deliberately not run (dry run, a finished archive).
    public func skip(_ name: StageName, _ reason: String) {
        records.append(StageRecord(name: name, status: .skipped, detail: reason, durationNanoseconds: 0))
        context.note("stage.skip", by: "pipeline", about: name.rawValue, reason)
    }

    /// Fills in every stage that has no record yet as not run.
    public func finish() -> [StageRecord] {
        let recorded = Set(records.map(\.name))
        for name in StageName.allCases where !recorded.contains(name) {
            records.append(StageRecord(name: name, status: .notRun, detail: "", durationNanoseconds: 0))
        }
        return records
    }

    private func record(_ name: StageName, _ status: StageStatus, _ detail: String, since started: UInt64) {
        let duration = MonotonicClock.nanoseconds() - started
        records.append(StageRecord(name: name, status: status, detail: detail, durationNanoseconds: duration))
    }
}
