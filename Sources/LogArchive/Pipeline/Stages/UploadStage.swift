import Foundation

/// Sends each log to the store at `archive/logs/{yyyy}/{mm}/{issue}/{name}` (an object the store
/// already holds with the same checksum is not sent again), then reads the stored object back and
/// compares size and checksum before the log counts as uploaded. Up to `upload_concurrency`
/// (`--jobs`) logs go at once, sharing one `TransferBudget` with the parts of multipart uploads.
///
/// Round trips: a first archive just sends. Where the issue's earlier entry names a key (a retry,
/// a re-run after a crash or an index failure), one listing of the issue's folder says what is
/// stored, and a HEAD asks only about keys whose stored content that leaves unknown (`StoredKeys`). A store that reports its own checksum of what it stored in the answer to the upload
/// (`confirmedByStore`) has been read back by that answer; any other is read back with a HEAD. A log whose original changed since
/// its bytes were read is marked failed: what the store holds would not be what is on disk, so it
/// must not be cleaned. Its output is one record per log; the entry is the index stage's to write.
/// Statuses go to the issue's journal as they change (see `UploadJournal`), which also makes the
/// run's first index write, every file `pending`, before the first byte goes out.
public struct UploadStage: PipelineStage {
    public static let name = StageName.upload

    public init() {}

    public func run(_ checksummed: ChecksummedArchive, in context: PipelineContext) throws -> StageResult<UploadedArchive> {
        let entry = ArchiveEntryBuilder(
            checksummed.validated, archivedAt: context.now, objectOptions: (context.store as? S3Store)?.settings.objectOptions)
        let previous = entry.previous
        let folder = StoreLayout.issueFolder(issue: entry.issue, archivedAt: context.now)
        let keys = objectKeys(for: checksummed.logs, folder: folder, previous: previous, context: context)
        let records = zip(checksummed.logs, keys).map { log, key in
            pendingRecord(log, key: key, archivedAt: entry.archivedAt, previous: previous, context: context)
        }

        do {
            try UploadStage.checkKeys(
                zip(checksummed.logs, keys), issue: entry.issue, logsDirectory: context.settings.logsDirectory)
        } catch {
            checksummed.logs.map(\.prepared).abandonStreamedUploads()
            throw error
        }
        let journal = UploadJournal(for: entry, records: records, logsDirectory: context.settings.logsDirectory)
        if !records.isEmpty {
            do {
                try journal.begin(in: context.index)
            } catch {
                checksummed.logs.map(\.prepared).abandonStreamedUploads()
                throw ArchiveError.failure("nothing was uploaded: \(error.message)")
            }
        }
        context.progress?.begin("upload", total: checksummed.logs.filter { $0.prepared.streamed == nil }.reduce(0) { $0 + $1.uploadSize })
        let storedKeys = StoredKeys(keys: keys, previous: previous, store: context.store)
        let transfers = context.transfers
        let logs = checksummed.logs
        let next = Locked(0)
        BlockingThreads.run(min(transfers.limit, logs.count)) {
            while let position = next.withLock({ value -> Int? in
                guard value < logs.count else { return nil }
                value += 1
                return value - 1
            }) {
                // A log sent while it was compressed takes no slot: its parts hold theirs, and
                // waiting for them while holding one could leave them none.
                let holdsSlot = logs[position].prepared.streamed == nil
                if holdsSlot { transfers.acquire() }
                upload(
                    logs[position], key: keys[position], storedKeys: storedKeys, position: position,
                    journal: journal, transfers: transfers, in: context)
                if holdsSlot { transfers.release() }
            }
        }
        context.progress?.end()
        journal.finish()
        let uploaded = zip(checksummed.logs, journal.records).map { log, record in
            UploadedLog(log: log.prepared.log, compressedPath: log.prepared.compressedPath, sourceStatus: log.sourceStatus, record: record)
        }
        let archive = UploadedArchive(
            entry: entry, logs: uploaded, retries: journal.retries, storeFolder: folder, journalFailure: journal.writeFailure)
        if uploaded.isEmpty { return .skipped(archive, "no logs") }
        let failed = uploaded.filter { $0.record.uploadStatus != .uploaded }
        if !failed.isEmpty {
            let names = failed.map { "\($0.record.filename): \($0.record.lastError ?? "failed")" }
            return .warning(archive, "\(failed.count) of \(uploaded.count) failed (\(names.joined(separator: "; ")))")
        }
        let reused = uploaded.filter { $0.record.lastError == nil && $0.record.uploadAttempt == 0 }.count
        return .completed(archive, "\(uploaded.count) to \(folder)" + (reused > 0 ? " (\(reused) already stored)" : ""))
    }

    /// One key per log: where the earlier entry stored the same log (so a retry next month still
    /// completes the same archive), else the log's name (plus `.gz`) in this run's folder; a name
    /// that two type folders share gets its folder in front so neither overwrites the other.
    /// A key whose object the earlier entry records as a verified upload of other bytes is never
    /// reused: a log changed since (archived again with `--force`, a reopened issue's new log of
    /// the same name) goes beside it as `123-build-2.log`, so the only copy of the old one stays.
    func objectKeys(for logs: [ChecksummedLog], folder: String, previous: ArchiveEntry?, context: PipelineContext) -> [String] {
        let names = logs.map(\.prepared.storedName)
        var counts: [String: Int] = [:]
        for name in names { counts[name, default: 0] += 1 }
        var verifiedChecksums: [String: String] = [:]
        for log in previous?.logs ?? [] where log.uploadStatus == .uploaded { verifiedChecksums[log.remotePath] = log.checksum }
        var assigned = Set<String>()
        return zip(logs, names).map { log, name in
            let checksum = log.checksum.description
            let localPath = context.indexedLocalPath(for: log.prepared.log)
            func isFree(_ key: String) -> Bool {
                !assigned.contains(key)
                    && (verifiedChecksums[key].map { $0 == checksum } ?? true
                        || UploadStage.earlierEncoding(of: log, at: key, previous: previous, localPath: localPath) != nil)
            }
            let earlierKeys = (previous?.logs ?? []).filter {
                $0.localPath == localPath && $0.compressed == log.prepared.compressed && !$0.remotePath.isEmpty
            }.map(\.remotePath)
            let fresh = counts[name, default: 0] > 1 ? "\(folder)\(log.prepared.log.type.folder)/\(name)" : folder + name
            let key =
                (earlierKeys + [fresh]).first(where: isFree)
                ?? (2...).lazy.map { StoreLayout.numbered(fresh, $0) }.first(where: isFree)!
            assigned.insert(key)
            return key
        }
    }

    /// Before any request: every key this run will send to lies where `IssueKeyRule` allows, and
    /// the multipart record kept for a key (named by its hash) is that key's, so an upload it
    /// resumes or aborts is this log's own. Nothing is sent when one is not.
    static func checkKeys(
        _ logs: Zip2Sequence<[ChecksummedLog], [String]>, issue: IssueNumber, logsDirectory: String
    ) throws(ArchiveError) {
        for (log, key) in logs {
            let logFile = log.prepared.log
            if let refusal = IssueKeyRule.violation(
                key: key, issue: issue, filename: logFile.filename, type: logFile.type)
            {
                throw .badInput("the key for \(logFile.filename): \(refusal); nothing was sent")
            }
            let recordPath = UploadJournal.resumeRecordPath(logsDirectory: logsDirectory, key: key)
            guard let record = MultipartResumeRecord.read(from: recordPath), record.key != key else { continue }
            let refusal =
                IssueKeyRule.folderViolation(key: record.key, issue: issue)
                ?? "\(IssueKeyRule.quoted(record.key)) is not the key this record is kept for (\(key)); refused"
            throw .badInput("\(recordPath): key: \(refusal); nothing was sent")
        }
    }

    private func pendingRecord(
        _ log: ChecksummedLog, key: String, archivedAt: String, previous: ArchiveEntry?, context: PipelineContext
    ) -> ArchivedLog {
        let prepared = log.prepared
        let localPath = context.indexedLocalPath(for: prepared.log)
        var record = ArchivedLog(
            type: prepared.log.type, filename: prepared.log.filename, localPath: localPath, remotePath: key,
            sizeBytes: log.uploadSize, originalSizeBytes: prepared.log.size, compressed: prepared.compressed,
            checksum: log.checksum.description,
            created: UTCTimestamp(seconds: prepared.log.status.modificationSeconds).iso8601, archived: archivedAt,
            uploadStatus: .pending, uploadTimestamp: UTCTimestamp.now().iso8601,
            uploadAttempt: previous?.logs.first(where: { $0.remotePath == key })?.uploadAttempt ?? 0)
        record.publicURL = context.store.publicURL(for: key)
        // The parts by which the store knows the object: this run's, or an earlier run's that sent
        // these same bytes as they were compressed (the store may hold that object already).
        if let streamed = prepared.streamed, streamed.upload.key == key {
            record.partsChecksum = streamed.parts
        } else {
            record.partsChecksum = previous?.logs.first { $0.remotePath == key && $0.checksum == record.checksum }?.partsChecksum
        }
        return record
    }

    private func upload(
        _ log: ChecksummedLog, key: String, storedKeys: StoredKeys, position: Int, journal: UploadJournal, transfers: TransferBudget,
        in context: PipelineContext
    ) {
        let prepared = log.prepared
        let subject = context.indexedLocalPath(for: prepared.log)
        let started = TraceTimestamp.now()
        let resumeRecord = UploadJournal.resumeRecordPath(logsDirectory: context.settings.logsDirectory, key: key)
        func markUploaded() {
            FileSystem.removeIfPresent(resumeRecord)
            // An earlier run sent this key while compressing it and stopped: if this run stored it
            // otherwise (a single PUT, or found it stored), that run's upload may still be open.
            if prepared.streamed == nil, storedKeys.previous?.logs.contains(where: { $0.remotePath == key && $0.partsChecksum != nil }) == true {
                context.store.abortUnfinishedUploads(of: key)
            }
            journal.update(position) { record in
                record.uploadStatus = .uploaded
                record.lastError = nil
                record.cloudURL = context.store.url(for: key)
            }
        }
        do {
            try FaultPoint.beforeUpload.reach()
            // Knowing first is only a saving, and only where an earlier run may have stored the key:
            // if asking fails, the upload decides.
            if let earlier = UploadStage.earlierEncoding(of: log, at: key, previous: storedKeys.previous, localPath: subject),
                let known = storedKeys.holds(key, checksum: earlier.checksum, size: earlier.sizeBytes, store: context.store)
            {
                // Stored already, compressed by an earlier version whose gzip bytes differ from this
                // one's: the object stays as it is, recorded with its own checksum, and is not sent again.
                try requireUnchanged(prepared.log, since: log.sourceStatus)
                journal.update(position) { record in
                    record.checksum = earlier.checksum
                    record.sizeBytes = earlier.sizeBytes
                    record.partsChecksum = earlier.partsChecksum
                }
                markUploaded()
                context.note(
                    "upload.skipped", by: "upload", about: subject,
                    known + "; the same log, compressed by an earlier version to other gzip bytes", since: started)
                return
            }
            let known: String?
            switch storedKeys.knowledge(of: key, checksum: log.checksum, size: log.uploadSize) {
            case .absent:
                known = nil
            case .holdsThisLog:
                known = "the store already holds \(key) with \(log.checksum) (listed at \(log.uploadSize) bytes, recorded as verified)"
            case .unknown:
                known = storedKeys.asked(context.store, whether: key, holds: log.checksum, size: log.uploadSize)
            }
            if let known {
                // Already there with these exact bytes (a retry, or a re-run after an index failure).
                try requireUnchanged(prepared.log, since: log.sourceStatus)
                markUploaded()
                context.note("upload.skipped", by: "upload", about: subject, known, since: started)
                return
            }
            journal.update(position) { $0.uploadAttempt += 1 }
            context.note(
                "upload.attempt", by: "upload", about: subject,
                "sending \(ByteCount.format(log.uploadSize)) to \(key) (attempt \(journal.log(position).uploadAttempt))", severity: .debug)
            let streamed = completeStreamedUpload(of: log, key: key, subject: subject, position: position, journal: journal, in: context)
            let stored = try streamed ?? context.store.put(
                fileAt: prepared.uploadPath, key: key, expected: log.checksum, size: log.uploadSize, transfers: transfers,
                resumeRecord: resumeRecord, progress: context.progress,
                onRetry: { attempt, error, delay in
                    var attributes = JSONObject()
                    attributes["attempt"] = .integer(Int64(attempt))
                    attributes["delay_ms"] = .integer(Int64(delay * 1000))
                    context.note(
                        "upload.retry", by: "upload", about: subject, "\(error); retrying in \(UploadStage.seconds(delay))",
                        severity: .warning, attributes: attributes)
                    journal.update(position, countsAsRetry: true) { record in
                        record.uploadStatus = .retrying
                        record.uploadAttempt += 1
                        record.lastError = "\(error) (retrying in \(UploadStage.seconds(delay)))"
                    }
                })
            // Sent whole, the object carries its own SHA-256: no parts to record.
            if streamed == nil { journal.update(position) { $0.partsChecksum = nil } }
            let readBack: StoredObject
            if stored.confirmedByStore {
                readBack = stored
            } else {
                guard let headed = try context.store.head(key: key) else {
                    throw StoreError.verificationFailed(key: key, reason: "the object is missing after the upload")
                }
                readBack = headed
            }
            let parts = journal.log(position).partsChecksum
            guard readBack.holds(size: log.uploadSize, checksum: log.checksum, parts: parts), stored.checksum == log.checksum else {
                throw StoreError.verificationFailed(
                    key: key,
                    reason: "stored \(readBack.size) bytes with \(readBack.checksumDescription), expected \(log.uploadSize) bytes with \(log.checksum)")
            }
            try FaultPoint.afterUpload.reach()
            try requireUnchanged(prepared.log, since: log.sourceStatus)
            markUploaded()
            context.note(
                "upload.verified", by: "upload", about: subject,
                "stored as \(key); "
                    + (streamed != nil ? "sent in parts as it was compressed; " : "")
                    + (stored.confirmedByStore ? "the store answered" : "read back")
                    + " \(readBack.size) bytes with \(readBack.checksumDescription)", since: started)
        } catch {
            prepared.streamed?.upload.abort()
            context.note("upload.failed", by: "upload", about: subject, "\(error)", severity: .error, since: started)
            journal.update(position) { record in
                record.uploadStatus = .failed
                record.lastError = "\(error)"
            }
        }
    }

    /// Completes the upload the compress stage began for `log` while it compressed it, or nil to
    /// send the log the ordinary way: it began none, or under another key, or it failed (a part
    /// that ran out of retries, an assembled object that fails its check). What it began is then
    /// aborted, and the journal record no longer names its parts.
    private func completeStreamedUpload(
        of log: ChecksummedLog, key: String, subject: String, position: Int, journal: UploadJournal, in context: PipelineContext
    ) -> StoredObject? {
        guard let streamed = log.prepared.streamed else { return nil }
        if streamed.upload.key == key {
            do {
                return try streamed.upload.complete(expected: log.checksum, size: log.uploadSize)
            } catch {
                context.note(
                    "upload.stream_failed", by: "upload", about: subject,
                    "the upload sent while compressing failed (\(error)); sending the file again whole", severity: .warning)
            }
        }
        streamed.upload.abort()
        journal.update(position) { $0.partsChecksum = nil }
        return nil
    }

    /// The earlier entry's verified record of `key` when it holds this very log compressed to other
    /// bytes: an earlier version's gzip of the same content (libdeflate replaced zlib's block
    /// encoder, so a re-compressed log no longer matches byte for byte). The same content is known
    /// as the clean stage knows it: the local file is as big and as old as the one archived.
    static func earlierEncoding(of log: ChecksummedLog, at key: String, previous: ArchiveEntry?, localPath: String) -> ArchivedLog? {
        guard log.prepared.compressedPath != nil,
            let earlier = previous?.logs.first(where: { $0.remotePath == key && $0.uploadStatus == .uploaded }),
            earlier.compressed, earlier.localPath == localPath, earlier.checksum != log.checksum.description,
            earlier.isUntouchedCopy(status: log.sourceStatus)
        else { return nil }
        return earlier
    }

    static func seconds(_ value: Double) -> String {
        value >= 1 ? "\(Int(value.rounded())) s" : "\(Int((value * 1000).rounded())) ms"
    }

    /// The stored bytes were read from the original (or made from it) at `status`; if the original
    /// has changed since, the archive no longer matches the log.
    private func requireUnchanged(_ log: CollectedLog, since status: FileStatus) throws {
        let current: FileStatus
        do {
            current = try FileStatus.of(log.path)
        } catch {
            throw ArchiveError.failure("\(log.path) vanished during the upload", cause: error)
        }
        guard current.isUnchanged(comparedTo: status) else {
            throw ArchiveError.failure(
                "\(log.path) changed while it was being archived (\(status.size) → \(current.size) bytes); the stored copy is out of date, run again to archive the current content"
            )
        }
    }
}
