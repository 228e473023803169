/// Gzips logs over the threshold into `<log>.gz` beside them, checksumming the compressed bytes
/// in the same pass. A `.gz` that is not smaller than its original is discarded and the original
/// is uploaded instead. On failure every `.gz` this stage made is removed; originals are untouched.
///
/// A log the store would take in parts, on a first archive of the issue, is sent while it is
/// compressed (`StreamedMultipartUpload`): each part goes as soon as the encoder has written it, so
/// the upload hides behind the compression instead of following it. The upload stage completes
/// and verifies it.
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
                let log = try prepare(log, of: collected, threshold: threshold, compressor: compressor, context: context)
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
            prepared.abandonStreamedUploads()
            throw ArchiveError.failure("compression failed, nothing was archived: \(error)", cause: error)
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

    /// The upload to feed while `log` is compressed, or nil to send it after: only on a first
    /// archive of the issue (a retry or a forced run first asks what the store holds), under the
    /// key the upload stage will give it (its name is the only one of its kind among the logs), and
    /// where the store would send a file that size in parts, and its start shrinks (a log that
    /// does not is decided after compression, and parts sent would be wasted). A store that cannot start one now
    /// leaves the log to the upload stage, which has the retries and the journal for it.
    private func streamedUpload(
        of log: CollectedLog, in collected: CollectedArchive, compressor: GzipFileCompressor, context: PipelineContext
    ) -> StreamedMultipartUpload? {
        let request = collected.validated.request
        guard !request.dryRun, request.mode == .archive, collected.validated.previousEntry == nil,
            collected.logs.filter({ $0.filename == log.filename }).count == 1,
            context.store.streamsUploads(ofSize: log.size), compressor.shrinksAtStart(log.path)
        else { return nil }
        let key = StoreLayout.issueFolder(issue: request.issue, archivedAt: context.now) + log.filename + ".gz"
        do {
            return try context.store.beginStreamedUpload(key: key, sourceSize: log.size, transfers: context.transfers, onRetry: nil)
        } catch {
            context.note(
                "compress.stream_refused", by: "compress", about: context.indexedLocalPath(for: log),
                "the store did not start an upload while compressing (\(error)); the upload stage sends it", severity: .warning)
            return nil
        }
    }

    private func prepare(
        _ log: CollectedLog, of collected: CollectedArchive, threshold: Int64, compressor: GzipFileCompressor, context: PipelineContext
    ) throws -> PreparedLog {
        func asIs(_ decision: String) -> PreparedLog {
            PreparedLog(
                log: log, uploadPath: log.path, compressedPath: nil, checksum: nil, uploadSize: log.size,
                sourceStatus: log.status, decision: decision)
        }
        if log.rotatedPiece != nil, GzipFileCompressor.isGzip(log.path) {
            var piece = asIs("not compressed: a piece rotate cut and gzipped")
            piece.alreadyGzip = true
            return piece
        }
        guard log.size > threshold else {
            return asIs("not compressed: \(ByteCount.format(log.size)) is not over the \(ByteCount.format(threshold)) threshold")
        }
        if GzipFileCompressor.isGzip(log.path) {
            return asIs("not compressed: already gzip")
        }
        let destination = log.path + ".gz"
        let streamed = streamedUpload(of: log, in: collected, compressor: compressor, context: context)
        let result: GzipFileCompressor.Result
        do {
            result = try compressor.compress(
                log.path, to: destination, observer: streamed, expecting: log.status)
        } catch {
            streamed?.abort()
            throw error
        }
        guard result.compressedSize < result.originalSize else {
            streamed?.abort()
            FileSystem.removeIfPresent(destination)
            return asIs(
                "not compressed: gzip was not smaller (\(ByteCount.format(result.originalSize)) → \(ByteCount.format(result.compressedSize)))"
            )
        }
        var prepared = PreparedLog(
            log: log, uploadPath: destination, compressedPath: destination, checksum: result.checksum,
            uploadSize: result.compressedSize, sourceStatus: result.sourceStatus,
            decision: "compressed: \(ByteCount.format(result.originalSize)) over the \(ByteCount.format(threshold)) threshold"
                + (streamed != nil ? "; sent to the store in parts as it was written" : ""))
        if let streamed { prepared.streamed = StreamedLog(upload: streamed, parts: streamed.closeInput()) }
        return prepared
    }
}
