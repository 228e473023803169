import Dispatch

/// The issue's `manifest.json` put in the store, so that its entry can be rebuilt from the store
/// alone (`reindex`): a step of its own, which the pipeline starts just before the index stage and
/// hands to it. Over a network the manifest's round trip then hides behind the local index write
/// instead of adding to it. Neither waits on the other's outcome; a manifest that could not be
/// stored is a note in the index stage's detail.
public final class ManifestWrite: Sendable {
    private let outcome = Locked<Result<Void, any Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    private init() {}

    /// Starts writing the entry `uploaded` completes as its manifest, on a thread of its own;
    /// nothing is written for a run without logs.
    public static func start(for uploaded: UploadedArchive, to store: any ObjectStore) -> ManifestWrite {
        let write = ManifestWrite()
        guard !uploaded.logs.isEmpty else {
            write.done.signal()
            return write
        }
        let manifest = Array(JSONWriter.pretty(uploaded.completedEntry.json).utf8)
        let key = StoreLayout.manifestKey(issueFolder: uploaded.storeFolder)
        BlockingThreads.start {
            let result = Result { try store.put(bytes: manifest, key: key) }
            write.outcome.withLock { $0 = result }
            write.done.signal()
        }
        return write
    }

    /// Waits for the write to end: its outcome, or nil when there was nothing to write.
    public func wait() -> Result<Void, any Error>? {
        done.wait()
        done.signal()  // a second wait returns at once
        return outcome.withLock { $0 }
    }
}
