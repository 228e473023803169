/// The rules `reindex --all` rebuilds one issue's entry by, from its manifests, the store's
/// listing and the entry the index holds.
///
/// - The store's view is the newest manifest, plus the logs that only older manifests list and
///   whose objects the listing shows at their recorded size (an earlier month's run).
/// - When the index has the issue too, the newer of the two (by `archived_at`; the store's on a
///   tie) gives the entry's fields and the order of its logs. Logs the index has and the store's
///   view lacks are kept; logs only an older manifest lists are added when the store holds them.
///   Unknown fields of both are kept.
/// - Each log's status is then what the store says of its bytes. The listing settles a log when
///   every record of it agrees it is uploaded, with one checksum, at the listed size; anything else
///   (a status that would change, records that disagree, `--verify-checksums`) is settled by a HEAD,
///   whose SHA-256 picks the record the stored bytes match. So a stored log is never marked failed
///   on a listing alone, and no log becomes uploaded without its checksum checked.
struct EntryReconciler {
    /// Sizes from the listing, by key.
    let sizes: [String: Int64]
    let verifyChecksums: Bool
    /// Size and SHA-256 of one stored object, or nil when absent.
    let head: (String) throws -> StoredObject?
    /// The `cloud_url` of a key in this store.
    let url: (String) -> String

    /// The issue's entry as its manifests (newest first) tell it.
    func storeEntry(manifests: [ArchiveEntry]) -> ArchiveEntry? {
        guard var entry = manifests.first else { return nil }
        var known = Set(entry.logs.map(\.remotePath))
        var earlier: [ArchivedLog] = []
        for older in manifests.dropFirst() {
            for log in older.logs where !known.contains(log.remotePath) && sizes[log.remotePath] == log.sizeBytes {
                known.insert(log.remotePath)
                earlier.append(log)
            }
        }
        entry.logs = earlier + entry.logs
        return entry
    }

    /// The entry to write for the issue: the store's view reconciled with the index's entry.
    func reconcile(current: ArchiveEntry?, stored: ArchiveEntry) throws -> ArchiveEntry {
        let storeIsNewer = current.map { stored.archivedAt >= $0.archivedAt } ?? true
        var entry = storeIsNewer ? stored : current ?? stored
        let other = storeIsNewer ? current : stored
        if let other { entry.unknownFields.appendMissing(from: other.unknownFields) }

        var logs: [ArchivedLog] = []
        var seen = Set<String>()
        for log in entry.logs {
            let counterpart = other?.logs.first { $0.remotePath == log.remotePath }
            logs.append(try settle([log] + (counterpart.map { [$0] } ?? [])))
            seen.insert(log.remotePath)
        }
        for log in other?.logs ?? [] where !seen.contains(log.remotePath) {
            // The index's logs all stay; a log only an older manifest lists, only if it is stored
            // (the newer index dropped it: re-archived under another key, or never uploaded).
            if !storeIsNewer, sizes[log.remotePath] != log.sizeBytes { continue }
            logs.append(try settle([log]))
            seen.insert(log.remotePath)
        }
        entry.logs = logs
        return entry
    }

    /// One log's record, from its records (the preferred one first), with the status the store
    /// gives it.
    private func settle(_ records: [ArchivedLog]) throws -> ArchivedLog {
        var record = records[0]
        for other in records.dropFirst() { record.unknownFields.appendMissing(from: other.unknownFields) }
        let key = record.remotePath
        // A log recorded without a key (a hand-written entry) cannot be looked up: left as it is.
        guard !key.isEmpty else { return record }
        let listed = sizes[key]
        let agreed = records.allSatisfy {
            $0.uploadStatus == .uploaded && $0.checksum == record.checksum && $0.sizeBytes == listed
        }
        if agreed && !verifyChecksums { return record }

        let anyClaimsStored = records.contains { $0.uploadStatus == .uploaded || $0.sizeBytes == listed }
        let stored = anyClaimsStored ? try head(key) : nil
        if let stored,
            let match = records.first(where: { stored.holds($0) })
        {
            var verified = match
            verified.unknownFields = record.unknownFields
            if verified.uploadStatus != .uploaded || verified.lastError != nil {
                verified.uploadStatus = .uploaded
                verified.lastError = nil
                verified.cloudURL = url(key)
            }
            return verified
        }
        record.uploadStatus = .failed
        record.lastError =
            if let stored {
                "the stored object differs from the entry (\(stored.size) bytes, \(stored.checksumDescription); the entry says \(record.sizeBytes) bytes, \(record.checksum))"
            } else {
                "not in the store at \(key)"
            }
        return record
    }
}

/// What changed between two versions of an entry, in words: for `reindex --dry-run` and its summary.
enum EntryChanges {
    static func between(_ old: ArchiveEntry, _ new: ArchiveEntry) -> [String] {
        var changes: [String] = []
        let fields: [(String, String?, String?)] = [
            ("issue_title", old.issueTitle, new.issueTitle), ("issue_url", old.issueURL, new.issueURL),
            ("archived_at", old.archivedAt, new.archivedAt),
            ("archive_reason", old.archiveReason.rawValue, new.archiveReason.rawValue),
            ("retry_count", String(old.retryCount), String(new.retryCount)),
        ]
        for (name, before, after) in fields where before != after {
            changes.append("\(name): \(before ?? "null") → \(after ?? "null")")
        }
        let addedFields = new.unknownFields.keys.filter { old.unknownFields[$0] == nil }
        if !addedFields.isEmpty { changes.append("fields added: \(addedFields.joined(separator: ", "))") }
        let oldLogs = Dictionary(old.logs.map { ($0.remotePath, $0) }, uniquingKeysWith: { first, _ in first })
        for log in new.logs {
            guard let before = oldLogs[log.remotePath] else {
                changes.append(
                    "\(log.filename): added from the store (\(log.uploadStatus.rawValue), \(log.remotePath))")
                continue
            }
            if before.uploadStatus != log.uploadStatus {
                let why = log.uploadStatus == .failed ? " (\(log.lastError ?? "failed"))" : ""
                changes.append("\(log.filename): \(before.uploadStatus.rawValue) → \(log.uploadStatus.rawValue)\(why)")
            } else if before.lastError != log.lastError {
                changes.append("\(log.filename): still \(log.uploadStatus.rawValue) (\(log.lastError ?? "no error"))")
            } else if before.checksum != log.checksum || before.sizeBytes != log.sizeBytes {
                changes.append(
                    "\(log.filename): the record the stored bytes match (\(log.sizeBytes) bytes, \(log.checksum))")
            } else if before != log {
                changes.append("\(log.filename): other details from the newer copy")
            }
        }
        if changes.isEmpty && old != new { changes.append("log order, as the newer copy lists them") }
        return changes
    }
}
