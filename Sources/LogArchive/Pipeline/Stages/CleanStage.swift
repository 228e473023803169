/// Deletes the local original and `.gz` of every log the store holds a verified copy of, and only
/// those, re-checking just before each deletion that the original is still the file that was
/// archived. Anything else is kept and listed.
public struct CleanStage: PipelineStage {
    public static let name = StageName.clean

    public init() {}

    public func run(_ indexed: IndexedArchive, in context: PipelineContext) throws -> StageResult<CleanedArchive> {
        var freed: Int64 = 0
        var deleted: [String] = []
        var kept: [String] = []
        var problems: [String] = []
        for uploaded in indexed.logs where uploaded.record.uploadStatus == .uploaded {
            do {
                try FaultPoint.beforeClean.reach()
                let current = try FileStatus.of(uploaded.log.path)
                guard current.isUnchanged(comparedTo: uploaded.sourceStatus) else {
                    kept.append(uploaded.log.path)
                    problems.append("kept \(uploaded.log.path): it changed after it was archived")
                    context.note("clean.kept", by: "clean", about: context.indexedLocalPath(for: uploaded.log), "it changed after it was archived", severity: .warning)
                    continue
                }
                if let gz = uploaded.compressedPath {
                    let size = (try? FileStatus.of(gz).size) ?? 0
                    try FileSystem.remove(gz)
                    freed += size
                    deleted.append(gz)
                }
                // Only the file that was collected and archived: never one put in its place since.
                try NoFollow.unlink(uploaded.log.path, ifStill: uploaded.sourceStatus)
                freed += current.size
                deleted.append(uploaded.log.path)
                context.note(
                    "clean.deleted", by: "clean", about: context.indexedLocalPath(for: uploaded.log),
                    "the store holds a verified copy (\(uploaded.record.checksum)) at \(uploaded.record.remotePath)")
            } catch {
                kept.append(uploaded.log.path)
                problems.append("could not delete \(uploaded.log.path): \(error)")
                context.note("clean.kept", by: "clean", about: context.indexedLocalPath(for: uploaded.log), "could not delete it: \(error)", severity: .warning)
            }
        }
        let cleaned = CleanedArchive(entry: indexed.entry, freedBytes: freed, deletedPaths: deleted, keptPaths: kept)
        if !problems.isEmpty { return .warning(cleaned, problems.joined(separator: "; ")) }
        if deleted.isEmpty { return .skipped(cleaned, "nothing to delete") }
        return .completed(cleaned, "\(ByteCount.format(freed)) freed (\(Wording.count(deleted.count, "file")))")
    }
}
