import Foundation

/// Keeps the index telling the truth while uploads run: the entry is written with every
/// file `pending` before the first byte goes out, and again at each change (`retrying` with the
/// error, then `uploaded` or `failed`). A run killed at any instant leaves an index whose statuses
/// never claim more than the store holds.
final class UploadJournal: @unchecked Sendable {
    private let lock = NSLock()
    private var entry: ArchiveEntry
    /// Where this run's logs sit in `entry.logs` (after the carried-over ones).
    private let firstLogIndex: Int
    private let index: IndexStore
    private(set) var writeFailure: ArchiveError?

    init(entry: ArchiveEntry, firstLogIndex: Int, index: IndexStore) {
        self.entry = entry
        self.firstLogIndex = firstLogIndex
        self.index = index
    }

    var current: ArchiveEntry {
        lock.lock()
        defer { lock.unlock() }
        return entry
    }

    /// Writes the entry as it stands. A failure is remembered (the index stage reports it) rather
    /// than stopping uploads that are already under way.
    func persist() {
        lock.lock()
        defer { lock.unlock() }
        do {
            let snapshot = entry
            try index.update { $0.upsert(snapshot) }
        } catch let error as ArchiveError {
            writeFailure = writeFailure ?? error
        } catch {
            writeFailure = writeFailure ?? .failure("\(error)")
        }
    }

    /// Changes this run's log number `position` and persists the entry.
    func update(_ position: Int, countsAsRetry: Bool = false, _ change: (inout ArchivedLog) -> Void) {
        lock.lock()
        change(&entry.logs[firstLogIndex + position])
        entry.logs[firstLogIndex + position].uploadTimestamp = UTCTimestamp.now().iso8601
        if countsAsRetry { entry.retryCount += 1 }
        lock.unlock()
        persist()
    }

    func log(_ position: Int) -> ArchivedLog {
        lock.lock()
        defer { lock.unlock() }
        return entry.logs[firstLogIndex + position]
    }
}
