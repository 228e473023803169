import Glibc

/// `--reindex-only`: rebuilds an issue's index entry from what the store holds, for when the
/// uploads succeeded and the index update did not. The issue's `manifest.json` gives the store's
/// view, reconciled with the entry the index holds by the rules `reindex --all` uses
/// (`EntryReconciler`): the newer of the two gives the fields, no log of the index is dropped, and
/// every log is checked against the store (size and SHA-256) before it is recorded as uploaded.
struct StoreReindexer {
    let context: PipelineContext

    func rebuild(issue: IssueNumber, previous: ArchiveEntry?) throws -> ArchiveEntry {
        let manifestKey = try findManifest(issue: issue, previous: previous)
        let manifest = try readManifest(manifestKey, issue: issue)
        // One listing of the manifest's folder gives the sizes the reconciler checks first.
        let folder = String(manifestKey.dropLast("manifest.json".count))
        let listed = try context.store.list(prefix: folder)
        let store = context.store
        let reconciler = EntryReconciler(
            sizes: Dictionary(listed.map { ($0.key, $0.size) }, uniquingKeysWith: { first, _ in first }),
            verifyChecksums: true, head: { try store.head(key: $0) }, url: { store.url(for: $0) })
        let rebuilt = try reconciler.reconcile(current: previous, stored: manifest)
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
        } catch let error as JSONObjectReader.ShapeError where error.isRefusedValue {
            throw ArchiveError.badInput("the manifest \(key) is refused: \(error); nothing was changed")
        } catch {
            throw ArchiveError.failure("the manifest \(key) cannot be read: \(error)")
        }
    }
}
