import Glibc

/// `--reindex-only`: rebuilds an issue's index entry from what the store holds, for when the
/// uploads succeeded and the index update did not. The issue's `manifest.json` gives the entry;
/// every log in it is checked against the store (size and SHA-256) before it is recorded as
/// uploaded.
struct StoreReindexer {
    let context: PipelineContext

    func rebuild(issue: IssueNumber, previous: ArchiveEntry?) throws -> ArchiveEntry {
        let manifestKey = try findManifest(issue: issue, previous: previous)
        var entry = try readManifest(manifestKey, issue: issue)
        for position in entry.logs.indices {
            let log = entry.logs[position]
            let expected = Checksum(log.checksum)
            let stored = try context.store.head(key: log.remotePath)
            if let stored, stored.size == log.sizeBytes, stored.checksum == expected {
                entry.logs[position].uploadStatus = .uploaded
                entry.logs[position].lastError = nil
                entry.logs[position].cloudURL = context.store.url(for: log.remotePath)
            } else {
                entry.logs[position].uploadStatus = .failed
                entry.logs[position].lastError =
                    stored == nil
                    ? "not in the store at \(log.remotePath)"
                    : "the stored object differs from the manifest (\(stored?.size ?? 0) bytes, \(stored?.checksum.description ?? "no checksum"))"
            }
        }
        if let previous { entry.unknownFields.appendMissing(from: previous.unknownFields) }
        let rebuilt = entry
        try context.index.upsert(rebuilt)
        return rebuilt
    }

    /// The manifest beside the issue's logs: from the current entry's folder when there is one,
    /// else the newest `archive/logs/*/*/{issue}/manifest.json` in a listing.
    private func findManifest(issue: IssueNumber, previous: ArchiveEntry?) throws -> String {
        if let remote = previous?.logs.first?.remotePath, let slash = remote.lastIndex(of: "/") {
            let key = remote[...slash] + "manifest.json"
            if try context.store.head(key: String(key)) != nil { return String(key) }
        }
        let suffix = "/\(issue)/manifest.json"
        let candidates = try context.store.list(prefix: "archive/logs/").map(\.key).filter { key in
            key.hasSuffix(suffix) && key.split(separator: "/").count == 6
        }
        guard let newest = candidates.sorted().last else {
            throw ArchiveError.failure(
                "no manifest for issue #\(issue) in \(context.store.location): there is nothing to rebuild the entry from")
        }
        return newest
    }

    private func readManifest(_ key: String, issue: IssueNumber) throws -> ArchiveEntry {
        // Downloaded beside the index, never to /tmp: the logs dir is the one place we write.
        let temporary = Paths.join(context.settings.logsDirectory, ".archive-manifest-\(getpid()).tmp")
        defer { FileSystem.removeIfPresent(temporary) }
        try context.store.get(key: key, to: temporary)
        let bytes = try FileSystem.readAll(temporary)
        do {
            let entry = try ArchiveEntry(json: JSONParser.parse(bytes), path: "manifest")
            guard entry.issueNumber == issue else {
                throw ArchiveError.failure("the manifest \(key) is for issue #\(entry.issueNumber), not #\(issue)")
            }
            return entry
        } catch let error as ArchiveError {
            throw error
        } catch {
            throw ArchiveError.failure("the manifest \(key) cannot be read: \(error)")
        }
    }
}
