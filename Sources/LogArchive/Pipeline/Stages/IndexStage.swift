/// Builds the issue's entry from this run's records (with `ArchiveEntryBuilder`, as the journal
/// built the pending one) and records it in the issue's index file (atomically, under the lock;
/// the run's second and last index write). The manifest the store keeps of the same entry is
/// `ManifestWrite`'s, under way meanwhile; this stage reports how it went.
public struct IndexStage: PipelineStage {
    public static let name = StageName.index

    /// The manifest's write, started beside this stage's index write; nil when none was.
    public let manifest: ManifestWrite?

    public init(manifest: ManifestWrite? = nil) {
        self.manifest = manifest
    }

    public func run(_ uploaded: UploadedArchive, in context: PipelineContext) throws -> StageResult<IndexedArchive> {
        let entry = uploaded.completedEntry
        let indexResult = Result { try context.index.upsert(entry) }
        var manifestNote = ""
        switch manifest?.wait() {
        case .success?: manifestNote = ", manifest stored"
        case .failure(let error)?: manifestNote = ", manifest not stored (\(error))"
        case nil: break
        }
        do {
            try indexResult.get()
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
