/// SHA-256 of exactly the bytes to upload. Compressed logs already have it from the compression
/// pass; the others are read once here.
public struct ChecksumStage: PipelineStage {
    public static let name = StageName.checksum

    public init() {}

    public func run(_ compressed: CompressedArchive, in context: PipelineContext) throws -> StageResult<ChecksummedArchive> {
        var logs: [ChecksummedLog] = []
        var computed = 0
        for prepared in compressed.logs {
            if let checksum = prepared.checksum {
                logs.append(
                    ChecksummedLog(
                        prepared: prepared, checksum: checksum, uploadSize: prepared.uploadSize,
                        sourceStatus: prepared.sourceStatus))
                continue
            }
            do {
                // The log itself (not a .gz made here) must still be the file collect saw.
                let collected = prepared.compressedPath == nil ? prepared.log.status : nil
                let (checksum, size, status) = try Checksum.ofFile(prepared.uploadPath, expecting: collected)
                logs.append(ChecksummedLog(prepared: prepared, checksum: checksum, uploadSize: size, sourceStatus: status))
                computed += 1
            } catch {
                for log in compressed.logs { if let gz = log.compressedPath { FileSystem.removeIfPresent(gz) } }
                compressed.logs.abandonStreamedUploads()
                let reason = error.isNoSuchFile ? "it vanished during the run" : "\(error)"
                throw ArchiveError.failure(
                    "cannot checksum \(prepared.log.path): \(reason); nothing was archived", cause: error)
            }
        }
        let archive = ChecksummedArchive(validated: compressed.validated, logs: logs)
        if logs.isEmpty { return .skipped(archive, "no logs") }
        let reused = logs.count - computed
        return .completed(
            archive, "SHA-256 of \(Wording.count(logs.count, "file"))" + (reused > 0 ? " (\(reused) from the compression pass)" : ""))
    }
}
