/// Sends each log to the store at `archive/logs/{yyyy}/{mm}/{issue}/{name}`, then reads the stored
/// object back and compares size and checksum before the log counts as uploaded. A log whose
/// original changed since its bytes were read is marked failed: what the store holds would not be
/// what is on disk, so it must not be cleaned.
public struct UploadStage: PipelineStage {
    public static let name = StageName.upload

    public init() {}

    public func run(_ checksummed: ChecksummedArchive, in context: PipelineContext) throws -> StageResult<UploadedArchive> {
        let request = checksummed.compressed.collected.validated.request
        let folder = StoreLayout.issueFolder(issue: request.issue, archivedAt: context.now)
        let keys = objectKeys(for: checksummed.logs, folder: folder)
        let archivedAt = context.now.iso8601
        var uploaded: [UploadedLog] = []
        for (log, key) in zip(checksummed.logs, keys) {
            let record = upload(log, key: key, archivedAt: archivedAt, in: context)
            uploaded.append(UploadedLog(checksummed: log, record: record))
        }
        let previous = checksummed.compressed.collected.validated.previousEntry
        var entry = ArchiveEntry(
            issueNumber: request.issue, issueURL: checksummed.compressed.collected.validated.issueURL ?? previous?.issueURL,
            issueTitle: checksummed.compressed.collected.validated.issueTitle ?? previous?.issueTitle,
            archivedAt: archivedAt, archiveReason: request.reason,
            logs: UploadStage.carriedOver(from: previous, replacedBy: uploaded.map(\.record)) + uploaded.map(\.record),
            retryCount: previous?.retryCount ?? 0)
        if let previous { entry.unknownFields = previous.unknownFields }
        let archive = UploadedArchive(checksummed: checksummed, logs: uploaded, entry: entry, storeFolder: folder)
        if uploaded.isEmpty { return .skipped(archive, "no logs") }
        let failed = uploaded.filter { $0.record.uploadStatus != .uploaded }
        if !failed.isEmpty {
            let names = failed.map { "\($0.record.filename): \($0.record.lastError ?? "failed")" }
            return .warning(archive, "\(failed.count) of \(uploaded.count) failed (\(names.joined(separator: "; ")))")
        }
        return .completed(archive, "\(uploaded.count) to \(folder)")
    }

    /// Logs of the issue's earlier entry that this run did not archive again (their local copies
    /// were already cleaned, or vanished): they stay in the entry, because the store still holds them.
    static func carriedOver(from previous: ArchiveEntry?, replacedBy records: [ArchivedLog]) -> [ArchivedLog] {
        guard let previous else { return [] }
        let replaced = Set(records.map(\.localPath))
        return previous.logs.filter { !replaced.contains($0.localPath) }
    }

    /// One key per log: the log's name (plus `.gz`); a name that two type folders share gets its
    /// folder in front so neither overwrites the other.
    func objectKeys(for logs: [ChecksummedLog], folder: String) -> [String] {
        let names = logs.map { $0.prepared.log.filename + ($0.prepared.compressed ? ".gz" : "") }
        var counts: [String: Int] = [:]
        for name in names { counts[name, default: 0] += 1 }
        return zip(logs, names).map { log, name in
            counts[name, default: 0] > 1 ? "\(folder)\(log.prepared.log.type.folder)/\(name)" : folder + name
        }
    }

    private func upload(_ log: ChecksummedLog, key: String, archivedAt: String, in context: PipelineContext) -> ArchivedLog {
        let prepared = log.prepared
        var record = ArchivedLog(
            type: prepared.log.type, filename: prepared.log.filename, localPath: context.indexedLocalPath(for: prepared.log),
            remotePath: key, sizeBytes: log.uploadSize, originalSizeBytes: prepared.log.size,
            compressed: prepared.compressed, checksum: log.checksum.description,
            created: UTCTimestamp(seconds: prepared.log.status.modificationSeconds).iso8601, archived: archivedAt,
            uploadStatus: .pending, uploadAttempt: 1)
        record.uploadTimestamp = UTCTimestamp.now().iso8601
        do {
            try FaultPoint.beforeUpload.reach()
            let stored = try context.store.put(fileAt: prepared.uploadPath, key: key, expected: log.checksum)
            guard let readBack = try context.store.head(key: key) else {
                throw StoreError.verificationFailed(key: key, reason: "the object is missing after the upload")
            }
            guard readBack.size == log.uploadSize, readBack.checksum == log.checksum, stored.checksum == log.checksum else {
                throw StoreError.verificationFailed(
                    key: key,
                    reason: "stored \(readBack.size) bytes with \(readBack.checksum), expected \(log.uploadSize) bytes with \(log.checksum)")
            }
            try FaultPoint.afterUpload.reach()
            try requireUnchanged(prepared.log, since: log.sourceStatus)
            record.uploadStatus = .uploaded
            record.cloudURL = context.store.url(for: key)
        } catch {
            record.uploadStatus = .failed
            record.lastError = "\(error)"
        }
        record.uploadTimestamp = UTCTimestamp.now().iso8601
        return record
    }

    /// The stored bytes were read from the original (or made from it) at `status`; if the original
    /// has changed since, the archive no longer matches the log.
    private func requireUnchanged(_ log: CollectedLog, since status: FileStatus) throws {
        let current: FileStatus
        do {
            current = try FileStatus.of(log.contentPath, followSymlinks: true)
        } catch {
            throw ArchiveError.failure("\(log.path) vanished during the upload")
        }
        guard current.isUnchanged(comparedTo: status) else {
            throw ArchiveError.failure(
                "\(log.path) changed while it was being archived (\(status.size) → \(current.size) bytes); the stored copy is out of date, run again to archive the current content"
            )
        }
    }
}
