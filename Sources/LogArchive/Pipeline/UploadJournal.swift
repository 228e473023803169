import Foundation

/// Keeps the record of a run's uploads truthful at a cost that does not grow with the index.
///
/// Before the first byte goes out (`begin`), the issue's entry with every file of this run
/// `pending` is written as the first line of `<logs-dir>/.archive-journal-<issue>.jsonl` and
/// synced; the index is not touched. Each status change of this run's records (`retrying` with the
/// error, then `uploaded` or `failed`) is appended as one JSON line; the index stage then writes
/// the entry to the index once, the run's only index write. Both entries are built by the same
/// `ArchiveEntryBuilder`. A 2 MB shard is written once per archive, not twice.
///
/// A line is appended only after what it says happened (`uploaded` after the stored object was
/// read back), so a kill at any instant leaves a journal that claims no more than the store holds,
/// and an index that claims less (the entry as it was before the run, or none).
/// `UnfinishedArchive` records what such a journal says in the index the next time a command
/// touches the issue. Losing the last lines to a crash loses only knowledge the next run finds
/// again by asking the store; so lines are synced in groups (every `syncEvery` lines or
/// `syncInterval` seconds, and at the end), not one fsync each.
final class UploadJournal: Sendable {
    static let syncEvery = 64
    static let syncInterval: UInt64 = 250_000_000

    private struct State {
        /// This run's logs, in the order of its uploads.
        var logs: [ArchivedLog]
        var retryCount: Int64 = 0
        var file: PosixFile?
        var unsynced = 0
        var lastSync = MonotonicClock.nanoseconds()
        var writeFailure: ArchiveError?
    }

    private let entry: ArchiveEntryBuilder
    let path: String
    private let state: Locked<State>

    var writeFailure: ArchiveError? { state.withLock { $0.writeFailure } }

    /// A journal of `records`, this run's logs as they stand before any upload, for the entry `entry` builds.
    init(for entry: ArchiveEntryBuilder, records: [ArchivedLog], logsDirectory: String) {
        self.entry = entry
        state = Locked(State(logs: records))
        path = UploadJournal.path(logsDirectory: logsDirectory, issue: entry.issue)
    }

    static func path(logsDirectory: String, issue: IssueNumber) -> String {
        Paths.join(logsDirectory, namePrefix + issue.description + nameSuffix)
    }

    /// A journal's name is these around its issue number.
    private static let namePrefix = ".archive-journal-"
    private static let nameSuffix = ".jsonl"

    /// The issues that have a journal in `logsDirectory`: runs going on, or stopped.
    static func issuesWithJournals(logsDirectory: String) -> [IssueNumber] {
        let names = (try? FileSystem.contents(of: logsDirectory)) ?? []
        return names.compactMap { name in
            guard name.hasPrefix(namePrefix), name.hasSuffix(nameSuffix) else { return nil }
            return try? IssueNumber(validating: String(name.dropFirst(namePrefix.count).dropLast(nameSuffix.count)))
        }
    }

    /// Where a multipart upload of `key` keeps its part digests while it is unfinished (beside the
    /// journal, named by the key's hash: keys are paths).
    static func resumeRecordPath(logsDirectory: String, key: String) -> String {
        Paths.join(logsDirectory, ".archive-multipart-\(Checksum.of(Array(key.utf8)).hex.prefix(16)).json")
    }

    /// This run's records as they stand now.
    var records: [ArchivedLog] {
        state.withLock { $0.logs }
    }

    /// How many retries this run's uploads needed so far.
    var retries: Int64 {
        state.withLock { $0.retryCount }
    }

    /// Starts the journal with the entry as it stands (every file of this run `pending`), synced,
    /// before the first upload; a stopped run's lines were already replayed into the entry
    /// validate read. The index is prepared (created, or migrated from a single file) but not
    /// written, and the room its one write needs at the end is checked now, so that a full disk
    /// fails the run before anything is uploaded. Where the journal cannot be written, the
    /// pending entry goes to the index instead, as the record a kill must leave.
    func begin(in index: IndexStore) throws(ArchiveError) {
        let pending = entry.entry(with: records)
        do {
            try index.prepareLayout()
            try index.checkRoomForWriting(pending)
        } catch let error as ArchiveError {
            throw error
        } catch {
            throw .failure("\(error)")
        }
        var opened: PosixFile?
        do {
            FileSystem.removeIfPresent(path)
            let file = try PosixFile.open(path, flags: O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_TRUNC)
            opened = file
            let header = JSONValue.object(JSONObject([(UploadJournal.entryKey, pending.json)]))
            try file.write(Array((JSONWriter.compact(header) + "\n").utf8))
            try file.sync()
            state.withLock { $0.file = file }
            return
        } catch {
            try? opened?.close()
            FileSystem.removeIfPresent(path)
        }
        do {
            try index.upsert(pending)
        } catch let error as ArchiveError {
            throw error
        } catch {
            throw .failure("\(error)")
        }
        let failure = ArchiveError.failure("cannot start the upload journal \(path); the index records the run's files as pending instead")
        state.withLock { $0.writeFailure = failure }
    }

    /// The key of the journal's first line, which holds the entry the run began with.
    static let entryKey = "entry"

    /// The entry a run's journal began with; nil for a journal without one (written by a version
    /// that kept the pending entry in the index) or none.
    static func pendingEntry(logsDirectory: String, issue: IssueNumber) throws(ArchiveError) -> ArchiveEntry? {
        let path = path(logsDirectory: logsDirectory, issue: issue)
        guard let bytes = try? FileSystem.readAll(path, limit: 64 << 20) else { return nil }
        return try pendingEntry(in: bytes, issue: issue, path: path)
    }

    /// The entry a stopped run's journal began with, with the statuses it recorded since: what
    /// `pendingEntry` and `replay` give, from one read of the journal.
    static func stoppedRun(logsDirectory: String, issue: IssueNumber) throws(ArchiveError) -> ArchiveEntry? {
        let path = path(logsDirectory: logsDirectory, issue: issue)
        guard let bytes = try? FileSystem.readAll(path, limit: 64 << 20),
            let begun = try pendingEntry(in: bytes, issue: issue, path: path)
        else { return nil }
        return replay(onto: begun, journal: bytes)
    }

    /// A first line torn by a kill, or of another shape, is no record: nil. A key the rules refuse
    /// (`IssueKeyRule`) is hostile, not torn: an error naming the journal and the field.
    private static func pendingEntry(in bytes: [UInt8], issue: IssueNumber, path: String) throws(ArchiveError)
        -> ArchiveEntry?
    {
        guard let line = bytes.split(separator: UInt8(ascii: "\n"), maxSplits: 1).first,
            case .object(let header)? = try? JSONParser.parse(Array(line)), let json = header[entryKey]
        else { return nil }
        let entry: ArchiveEntry
        do {
            entry = try ArchiveEntry(json: json, path: entryKey)
        } catch {
            guard error.isRefusedValue else { return nil }
            throw .badInput("\(path): \(error); nothing was sent or changed")
        }
        return entry.issueNumber == issue ? entry : nil
    }

    /// Changes this run's log number `position` and appends its new state to the journal.
    func update(_ position: Int, countsAsRetry: Bool = false, _ change: (inout ArchivedLog) -> Void) {
        state.withLock { state in
            change(&state.logs[position])
            state.logs[position].uploadTimestamp = UTCTimestamp.now().iso8601
            if countsAsRetry { state.retryCount += 1 }
            append(state.logs[position], to: &state)
        }
    }

    func log(_ position: Int) -> ArchivedLog {
        state.withLock { $0.logs[position] }
    }

    /// Syncs and closes the journal; it stays until the index stage has written the entry.
    func finish() {
        state.withLock { state in
            guard let file = state.file else { return }
            if state.unsynced > 0 { UploadJournal.sync(file, in: &state) }
            try? file.close()
            state.file = nil
        }
    }

    /// The journal is no longer needed once the entry it completes is in the index.
    static func remove(logsDirectory: String, issue: IssueNumber) {
        FileSystem.removeIfPresent(path(logsDirectory: logsDirectory, issue: issue))
    }

    private func append(_ log: ArchivedLog, to state: inout State) {
        guard let file = state.file else { return }
        let line = JSONValue.object(
            JSONObject([
                ("remote_path", .string(log.remotePath)), ("checksum", .string(log.checksum)),
                ("upload_status", .string(log.uploadStatus.rawValue)), ("upload_attempt", .integer(log.uploadAttempt)),
                ("upload_timestamp", JSONValue(log.uploadTimestamp)), ("cloud_url", JSONValue(log.cloudURL)),
                ("last_error", JSONValue(log.lastError)),
            ]))
        do {
            // One write of one whole line with O_APPEND: a kill leaves at most a torn last line.
            try file.write(Array((JSONWriter.compact(line) + "\n").utf8))
        } catch {
            state.writeFailure = state.writeFailure ?? .failure("cannot append to the upload journal \(path): \(error)")
            return
        }
        state.unsynced += 1
        if state.unsynced >= UploadJournal.syncEvery || MonotonicClock.nanoseconds() - state.lastSync >= UploadJournal.syncInterval {
            UploadJournal.sync(file, in: &state)
        }
    }

    private static func sync(_ file: PosixFile, in state: inout State) {
        try? file.sync()
        state.unsynced = 0
        state.lastSync = MonotonicClock.nanoseconds()
    }

    /// The stored keys of `entry` whose last journal line says `uploaded`.
    static func uploadedKeys(of entry: ArchiveEntry, logsDirectory: String) -> Set<String> {
        var unknown = entry
        for position in unknown.logs.indices { unknown.logs[position].uploadStatus = .pending }
        let replayed = replay(onto: unknown, logsDirectory: logsDirectory)
        return Set(replayed.logs.filter { $0.uploadStatus == .uploaded }.map(\.remotePath))
    }

    /// `entry` with the statuses a stopped run's journal recorded: the last line for each stored
    /// key whose checksum matches. Lines that do not parse (a torn last line) are skipped.
    static func replay(onto entry: ArchiveEntry, logsDirectory: String) -> ArchiveEntry {
        let path = path(logsDirectory: logsDirectory, issue: entry.issueNumber)
        guard let bytes = try? FileSystem.readAll(path, limit: 64 << 20) else { return entry }
        return replay(onto: entry, journal: bytes)
    }

    private static func replay(onto entry: ArchiveEntry, journal bytes: [UInt8]) -> ArchiveEntry {
        var replayed = entry
        var positions: [String: Int] = [:]
        for (position, log) in entry.logs.enumerated() { positions[log.remotePath] = position }
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            guard case .object(let record)? = try? JSONParser.parse(Array(line)),
                case .string(let key)? = record["remote_path"], let position = positions[key],
                case .string(let checksum)? = record["checksum"], checksum == replayed.logs[position].checksum,
                case .string(let statusText)? = record["upload_status"], let status = UploadStatus(rawValue: statusText)
            else { continue }
            replayed.logs[position].uploadStatus = status
            if case .integer(let attempt)? = record["upload_attempt"] { replayed.logs[position].uploadAttempt = attempt }
            if case .string(let time)? = record["upload_timestamp"] { replayed.logs[position].uploadTimestamp = time }
            if case .string(let url)? = record["cloud_url"] { replayed.logs[position].cloudURL = url }
            switch record["last_error"] {
            case .string(let error)?: replayed.logs[position].lastError = error
            default: replayed.logs[position].lastError = nil
            }
        }
        return replayed
    }
}
