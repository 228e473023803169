/// Builds the issue's entry from this run's records (with `ArchiveEntryBuilder`, as the journal
/// built the pending one) and records it in the issue's index file (atomically, under the lock;
/// the run's second and last index write), after writing the issue's `manifest.json` to the store
/// so that the entry can be rebuilt from the store alone.
public struct IndexStage: PipelineStage {
    public static let name = StageName.index

    public init() {}

    public func run(_ uploaded: UploadedArchive, in context: PipelineContext) throws -> StageResult<IndexedArchive> {
        let entry = uploaded.entry.entry(with: uploaded.logs.map(\.record), retries: uploaded.retries)
        var manifestNote = ""
        if !uploaded.logs.isEmpty {
            do {
                let manifest = Array(JSONWriter.pretty(entry.json).utf8)
                try context.store.put(bytes: manifest, key: StoreLayout.manifestKey(issueFolder: uploaded.storeFolder))
                manifestNote = ", manifest stored"
            } catch {
                manifestNote = ", manifest not stored (\(error))"
            }
        }
        do {
            try context.index.upsert(entry)
        } catch let error as ArchiveError {
            let stored = uploaded.logs.filter { $0.record.uploadStatus == .uploaded }.count
            throw ArchiveError.failure(
                "\(error.message). \(stored) uploaded \(stored == 1 ? "log is" : "logs are") in the store and every local file was kept; record them with: logarchive \(entry.issueNumber) --retry (or --reindex-only)"
            )
        }
        UploadJournal.remove(logsDirectory: context.settings.logsDirectory, issue: entry.issueNumber)
        let indexed = IndexedArchive(entry: entry, logs: uploaded.logs, indexPath: context.index.path)
        if let failure = uploaded.journalFailure {
            manifestNote += "; the upload journal failed (\(failure.message))"
        }
        let state = entry.partialArchive ? "partial entry" : "entry"
        return .completed(indexed, "\(state) for issue #\(entry.issueNumber) written\(manifestNote)")
    }
}
