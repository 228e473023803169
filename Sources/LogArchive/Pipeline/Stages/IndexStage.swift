import Foundation

/// Builds the issue's entry from this run's records (with `ArchiveEntryBuilder`, as the journal
/// built the pending one) and records it in the issue's index file (atomically, under the lock;
/// the run's second and last index write), while writing the issue's `manifest.json` to the store
/// so that the entry can be rebuilt from the store alone.
public struct IndexStage: PipelineStage {
    public static let name = StageName.index

    public init() {}

    public func run(_ uploaded: UploadedArchive, in context: PipelineContext) throws -> StageResult<IndexedArchive> {
        let entry = uploaded.entry.entry(with: uploaded.logs.map(\.record), retries: uploaded.retries)
        // The manifest goes to the store while the index file is written: over a network its
        // round trip hides behind the local write instead of adding to it. Neither waits on the
        // other's outcome; a manifest that could not be stored is a note, as before.
        let manifestStored = Locked<Result<Void, any Error>?>(nil)
        let manifestDone = DispatchSemaphore(value: 0)
        if uploaded.logs.isEmpty {
            manifestDone.signal()
        } else {
            let manifest = Array(JSONWriter.pretty(entry.json).utf8)
            let key = StoreLayout.manifestKey(issueFolder: uploaded.storeFolder)
            let store = context.store
            BlockingThreads.start {
                let result = Result { try store.put(bytes: manifest, key: key) }
                manifestStored.withLock { $0 = result }
                manifestDone.signal()
            }
        }
        let indexResult = Result { try context.index.upsert(entry) }
        manifestDone.wait()
        var manifestNote = ""
        switch manifestStored.withLock({ $0 }) {
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
