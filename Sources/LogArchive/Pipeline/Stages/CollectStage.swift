/// Finds the issue's logs under the logs dir (see `LogCollector` for the exact matching rules).
public struct CollectStage: PipelineStage {
    public static let name = StageName.collect

    public init() {}

    public func run(_ validated: ValidatedArchive, in context: PipelineContext) throws -> StageResult<CollectedArchive> {
        let collector = LogCollector(logsDirectory: context.settings.logsDirectory)
        let logs = try collector.collect(issue: validated.request.issue)
        try FaultPoint.afterCollect.reach()
        let archive = CollectedArchive(validated: validated, logs: logs)
        if logs.isEmpty { return .completed(archive, "no logs found for issue #\(validated.request.issue)") }
        let byType = LogType.allCases.compactMap { type -> String? in
            let count = logs.filter { $0.type == type }.count
            return count == 0 ? nil : "\(count) \(type.rawValue)"
        }
        return .completed(archive, "\(Wording.count(logs.count, "log")) (\(byType.joined(separator: ", ")))")
    }
}
