/// Gzips logs over the threshold into `<log>.gz` beside them, checksumming the compressed bytes
/// in the same pass. A `.gz` that is not smaller than its original is discarded and the original
/// is uploaded instead. On failure every `.gz` this stage made is removed; originals are untouched.
public struct CompressStage: PipelineStage {
    public static let name = StageName.compress

    public init() {}

    public func run(_ collected: CollectedArchive, in context: PipelineContext) throws -> StageResult<CompressedArchive> {
        let threshold = context.settings.compressionThreshold
        var compressor = GzipFileCompressor(level: context.settings.compressionLevel)
        compressor.progress = context.progress
        var prepared: [PreparedLog] = []
        context.progress?.begin("compress", total: collected.logs.filter { $0.size > threshold }.reduce(0) { $0 + $1.size })
        defer { context.progress?.end() }
        do {
            for log in collected.logs {
                let started = TraceTimestamp.now()
                let log = try prepare(log, threshold: threshold, compressor: compressor)
                prepared.append(log)
                var attributes = JSONObject()
                attributes["original_bytes"] = .integer(log.log.size)
                attributes["upload_bytes"] = .integer(log.uploadSize)
                attributes["threshold_bytes"] = .integer(threshold)
                context.note(
                    log.compressed ? "compress.compressed" : "compress.skipped", by: "compress",
                    about: context.indexedLocalPath(for: log.log), log.decision, since: started, attributes: attributes)
            }
        } catch {
            for log in prepared { if let gz = log.compressedPath { FileSystem.removeIfPresent(gz) } }
            throw ArchiveError.failure("compression failed, nothing was archived: \(error)")
        }
        let archive = CompressedArchive(validated: collected.validated, logs: prepared)
        let compressed = prepared.filter(\.compressed)
        if compressed.isEmpty {
            return .skipped(archive, "no log over \(ByteCount.format(threshold))")
        }
        let before = compressed.reduce(Int64(0)) { $0 + $1.log.size }
        let after = compressed.reduce(Int64(0)) { $0 + $1.uploadSize }
        return .completed(
            archive,
            "\(Wording.count(compressed.count, "log")) (\(ByteCount.format(before)) → \(ByteCount.format(after)))"
        )
    }

    private func prepare(_ log: CollectedLog, threshold: Int64, compressor: GzipFileCompressor) throws -> PreparedLog {
        func asIs(_ decision: String) -> PreparedLog {
            PreparedLog(
                log: log, uploadPath: log.contentPath, compressedPath: nil, checksum: nil, uploadSize: log.size,
                sourceStatus: log.status, decision: decision)
        }
        if log.rotatedPiece != nil, GzipFileCompressor.isGzip(log.contentPath) {
            var piece = asIs("not compressed: a piece rotate cut and gzipped")
            piece.alreadyGzip = true
            return piece
        }
        guard log.size > threshold else {
            return asIs("not compressed: \(ByteCount.format(log.size)) is not over the \(ByteCount.format(threshold)) threshold")
        }
        if GzipFileCompressor.isGzip(log.contentPath) {
            return asIs("not compressed: already gzip")
        }
        let destination = log.path + ".gz"
        let result = try compressor.compress(log.contentPath, to: destination)
        guard result.compressedSize < result.originalSize else {
            FileSystem.removeIfPresent(destination)
            return asIs(
                "not compressed: gzip was not smaller (\(ByteCount.format(result.originalSize)) → \(ByteCount.format(result.compressedSize)))"
            )
        }
        return PreparedLog(
            log: log, uploadPath: destination, compressedPath: destination, checksum: result.checksum,
            uploadSize: result.compressedSize, sourceStatus: result.sourceStatus,
            decision: "compressed: \(ByteCount.format(result.originalSize)) over the \(ByteCount.format(threshold)) threshold")
    }
}
