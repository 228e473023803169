/// `cleanup --older-than DAYS`: local logs that the store already holds, verified, and that have
/// not been touched for DAYS days. A log goes only when every check passes:
/// - its index entry is complete (a partial archive keeps all its local files for `--retry`) and
///   the log is `uploaded`;
/// - the file is older than the cutoff (when there is one) and unchanged since it was archived: for an uncompressed log
///   its SHA-256 is the index's checksum; for a compressed one (the checksum is of the `.gz`) its
///   size is `original_size_bytes` and it was last modified before it was archived;
/// - a HEAD of its object in the store answers the index's size and checksum.
/// Logs the index does not list are never looked at.
public struct ArchivedLogPruner: Sendable {
    public let logsDirectory: String
    public let store: any ObjectStore
    /// Nil: no age rule (`UnfinishedArchive` removes what a stopped run would have cleaned at once).
    public let olderThanDays: Int?
    let now: Int64

    public init(logsDirectory: String, store: any ObjectStore, olderThanDays: Int?, now: UTCTimestamp = .now()) {
        self.logsDirectory = logsDirectory
        self.store = store
        self.olderThanDays = olderThanDays
        self.now = now.seconds
    }

    public func plan(_ index: ArchiveIndex, into result: inout CleanupPlan) {
        var plan = CleanupPlan()
        for entry in index.archives {
            for log in entry.logs {
                let path = log.localFile(inLogsDirectory: logsDirectory)
                guard let status = try? FileStatus.of(path) else { continue }  // already gone: nothing to do
                switch judge(log, of: entry, path: path, status: status, storeFailure: &result.storeFailure) {
                case .success(let reason):
                    plan.removals.append(
                        CleanupItem(path: path, rule: .archivedLog, reason: reason, sizeBytes: status.size, status: status))
                    planCompressedCopy(of: log, entry: entry, into: &plan)
                case .failure(let kept):
                    plan.kept.append(KeptFile(path: path, reason: kept.reason))
                }
            }
        }
        // A file two entries claim stays if either of them needs it.
        let needed = Set(plan.kept.map(\.path))
        result.removals += plan.removals.filter { !needed.contains($0.path) }
        result.kept += plan.kept
    }

    private struct Kept: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    private func judge(
        _ log: ArchivedLog, of entry: ArchiveEntry, path: String, status: FileStatus, storeFailure: inout String?
    ) -> Result<String, Kept> {
        guard entry.uploadComplete else {
            return .failure(Kept("issue #\(entry.issueNumber) is a partial archive; --retry needs its local files"))
        }
        guard status.kind == .regular else { return .failure(Kept("not a regular file")) }
        let age = now - status.modificationSeconds
        if let olderThanDays, age <= Int64(olderThanDays) * 86_400 {
            return .failure(Kept("archived, but modified \(FileAge.describe(seconds: age)) ago (--older-than \(olderThanDays))"))
        }
        if let changed = localChange(log, path: path, status: status) { return .failure(Kept(changed)) }
        if let problem = storeProblem(log, storeFailure: &storeFailure) { return .failure(Kept(problem)) }
        return .success(
            "archived with issue #\(entry.issueNumber), the store's copy verified (size and SHA-256), unchanged locally, \(FileAge.describe(seconds: age)) old"
        )
    }

    /// Why the local file is not the one that was archived, or nil when it is.
    private func localChange(_ log: ArchivedLog, path: String, status: FileStatus) -> String? {
        if log.compressed {
            guard status.size == log.originalSizeBytes else {
                return "its size (\(status.size) bytes) differs from the archived original (\(log.originalSizeBytes) bytes)"
            }
            let archivedAt = (log.archived ?? log.uploadTimestamp).flatMap(UTCTimestamp.init(iso8601:))
            guard let archivedAt, status.modificationSeconds <= archivedAt.seconds else {
                return "modified after it was archived"
            }
            return nil
        }
        guard status.size == log.sizeBytes, let (checksum, _, _) = try? Checksum.ofFile(path),
            checksum == Checksum(log.checksum)
        else {
            return "its content differs from the archived copy (SHA-256)"
        }
        return nil
    }

    /// Why the store's copy cannot be trusted, or nil when it matches the index.
    /// Once the store has failed (each request already retried), the other logs are not asked
    /// about: they are kept with the same reason.
    private func storeProblem(_ log: ArchivedLog, storeFailure: inout String?) -> String? {
        if let storeFailure { return "the store could not confirm its copy: \(storeFailure)" }
        let stored: StoredObject?
        do {
            stored = try store.head(key: log.remotePath)
        } catch {
            storeFailure = "\(error)"
            return "the store could not confirm its copy: \(error)"
        }
        guard let stored else { return "the store does not hold \(log.remotePath)" }
        guard stored.holds(log) else {
            return "the store's copy of \(log.remotePath) does not match the index (size or SHA-256)"
        }
        return nil
    }

    /// The `.gz` a compressed log leaves beside itself, removed with it when it is byte for byte
    /// the stored object.
    private func planCompressedCopy(of log: ArchivedLog, entry: ArchiveEntry, into plan: inout CleanupPlan) {
        guard log.compressed else { return }
        let path = log.localFile(inLogsDirectory: logsDirectory) + ".gz"
        guard let status = try? FileStatus.of(path), status.kind == .regular else { return }
        guard let (checksum, _, _) = try? Checksum.ofFile(path), checksum == Checksum(log.checksum) else {
            plan.kept.append(KeptFile(path: path, reason: "differs from the stored object"))
            return
        }
        plan.removals.append(
            CleanupItem(
                path: path, rule: .archivedLog,
                reason: "the compressed copy of an archived log of issue #\(entry.issueNumber), identical to the stored object",
                sizeBytes: status.size, status: status))
    }
}
