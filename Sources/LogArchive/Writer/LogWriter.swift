import Dispatch
import Foundation
import Synchronization

/// Buffered appends of lines to many log files at once, from any number of threads.
///
/// An append only copies the line into its file's buffer under that file's own lock; it never
/// makes a system call. One flusher thread does all the writing: a file's buffer goes to disk when
/// it is full, every `flushInterval`, when all buffers together pass `memoryLimit` (files that
/// received warnings or errors first), on `flush()` and completely on `close()`. Because only the
/// flusher writes, each file's lines reach it in the order they were appended.
///
/// Files are opened `O_APPEND` (folders created as needed) from a pool of at most
/// `maximumOpenFiles` descriptors, least recently used closed first, idle ones closed after
/// `idleTimeout`; when the process runs out of descriptors (EMFILE) the pool gives some back and
/// tries again. Each write holds a shared `flock` on the file, so `logarchive rotate` can truncate
/// the file without losing a line. A failed write keeps its lines for the next flush and is
/// reported in `statistics` and `lastError`; nothing is dropped silently.
public final class LogWriter: @unchecked Sendable {
    public struct Configuration: Sendable {
        /// A file's buffer is handed to the flusher when it holds this much.
        public var bufferSize = 64 * 1024
        public var flushInterval: Double = 1
        /// Above this many buffered bytes in all, the flusher writes at once, warnings and errors first.
        public var memoryLimit = 50 << 20
        public var maximumOpenFiles = 50
        public var idleTimeout: Double = 30
        public init() {}
    }

    public struct Statistics: Sendable, Equatable {
        public var appends: Int64 = 0
        /// `write` calls that reached the disk.
        public var flushes: Int64 = 0
        public var bytesWritten: Int64 = 0
        public var bufferedBytes: Int64 = 0
        public var openHandles = 0
        public var evictions: Int64 = 0
        public var writeErrors: Int64 = 0
    }

    public let configuration: Configuration
    private let table: FileTable
    private let accounting: WriterAccounting
    private let flusher: Flusher
    private let closed = Atomic<Bool>(false)

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        let accounting = WriterAccounting(configuration: configuration)
        let flusher = Flusher(configuration: configuration)
        self.accounting = accounting
        self.flusher = flusher
        let table = FileTable(accounting: accounting)
        self.table = table
        // The thread holds the parts it needs, not the writer, so the writer can go away (and
        // close) while the thread runs.
        let thread = Thread {
            while true {
                _ = accounting.wake.wait(timeout: .now() + configuration.flushInterval / 2)
                let written = flusher.tick(table.all, overLimit: accounting.isOverLimit)
                accounting.didWrite(written)
                if flusher.stopped { return }
            }
        }
        thread.name = "logarchive.writer"
        thread.start()
    }

    deinit {
        try? close()
    }

    /// The file at `path`, to append to without looking it up by name each time.
    public func file(_ path: String) -> LogFile {
        table.file(path)
    }

    /// Appends `line` (a newline is added unless it ends with one) to the file at `path`.
    public func append(_ line: String, to path: String, severity: LogSeverity = .info) {
        file(path).append(line, severity: severity)
    }

    /// Appends one JSON object as a JSONL line.
    public func append(record: JSONObject, to path: String, severity: LogSeverity = .info) {
        file(path).append(JSONWriter.compact(.object(record)), severity: severity)
    }

    /// Writes everything buffered so far and waits for it; throws the first write error, with the
    /// lines still kept for a later flush.
    public func flush() throws {
        try flusher.request(.flushAll, wake: accounting.wake)
    }

    /// Flushes everything, closes every file and stops the flusher. Throws if some lines could not
    /// be written (they are counted in `statistics.bufferedBytes`).
    public func close() throws {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        try flusher.request(.shutdown, wake: accounting.wake)
    }

    public var statistics: Statistics {
        var statistics = flusher.statistics
        statistics.appends = accounting.appends.load(ordering: .relaxed)
        statistics.bufferedBytes = accounting.buffered.load(ordering: .relaxed)
        return statistics
    }

    /// The most recent write error, if any.
    public var lastError: Error? { flusher.lastError }
}

/// The writer's files by path.
private final class FileTable: Sendable {
    private let files = Locked<[String: LogFile]>([:])
    private let accounting: WriterAccounting

    init(accounting: WriterAccounting) { self.accounting = accounting }

    func file(_ path: String) -> LogFile {
        files.withLock { table in
            if let file = table[path] { return file }
            let file = LogFile(path: path, accounting: accounting)
            table[path] = file
            return file
        }
    }

    var all: [LogFile] { files.withLock { Array($0.values) } }
}

/// What appenders tell the flusher: bytes waiting, appends made, and a nudge when a buffer filled
/// or memory ran over the limit.
final class WriterAccounting: Sendable {
    let configuration: LogWriter.Configuration
    let buffered = Atomic<Int64>(0)
    let appends = Atomic<Int64>(0)
    let wake = DispatchSemaphore(value: 0)

    init(configuration: LogWriter.Configuration) { self.configuration = configuration }

    func didBuffer(_ count: Int, bufferFull: Bool) {
        appends.add(1, ordering: .relaxed)
        let total = buffered.add(Int64(count), ordering: .relaxed).newValue
        if bufferFull || total > Int64(configuration.memoryLimit) { wake.signal() }
    }

    func didWrite(_ count: Int64) {
        if count > 0 { buffered.subtract(count, ordering: .relaxed) }
    }

    var isOverLimit: Bool { buffered.load(ordering: .relaxed) > Int64(configuration.memoryLimit) }
}

public enum LogSeverity: Int, Sendable, Comparable, CaseIterable {
    case debug, info, notice, warning, error

    public static func < (lhs: LogSeverity, rhs: LogSeverity) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One file of a `LogWriter`: its buffer and the full buffers waiting for the flusher.
public final class LogFile: @unchecked Sendable {
    public let path: String
    private let accounting: WriterAccounting
    private let state: Locked<State>

    struct State {
        var current: [UInt8] = []
        var pending: [[UInt8]] = []
        var lastFlush = MonotonicClock.nanoseconds()
        /// Set by a warning or an error, or by a name that says so: flushed first under pressure.
        var urgent = false
    }

    init(path: String, accounting: WriterAccounting) {
        self.path = path
        self.accounting = accounting
        let name = Paths.lastComponent(of: path).lowercased()
        var state = State()
        state.urgent = name.contains("error") || name.contains("warn")
        state.current.reserveCapacity(accounting.configuration.bufferSize)
        self.state = Locked(state)
    }

    public func append(_ line: String, severity: LogSeverity = .info) {
        var line = line
        let bufferSize = accounting.configuration.bufferSize
        let (count, full) = line.withUTF8 { bytes in
            state.withLock { state in
                state.current.append(contentsOf: bytes)
                if bytes.last != 10 { state.current.append(10) }
                if severity >= .warning { state.urgent = true }
                let full = state.current.count >= bufferSize
                if full {
                    state.pending.append(state.current)
                    state.current = []
                    state.current.reserveCapacity(bufferSize)
                }
                return (bytes.count + (bytes.last == 10 ? 0 : 1), full)
            }
        }
        accounting.didBuffer(count, bufferFull: full)
    }

    public func append(record: JSONObject, severity: LogSeverity = .info) {
        append(JSONWriter.compact(.object(record)), severity: severity)
    }

    /// Takes what should be written now: the full buffers, and the current one too when `all`.
    func take(all: Bool) -> [[UInt8]] {
        state.withLock { state in
            var taken = state.pending
            state.pending = []
            if all, !state.current.isEmpty {
                taken.append(state.current)
                state.current = []
                state.current.reserveCapacity(accounting.configuration.bufferSize)
            }
            return taken
        }
    }

    /// Puts back what could not be written, ahead of anything appended since.
    func giveBack(_ chunks: [[UInt8]]) {
        state.withLock { state in state.pending.insert(contentsOf: chunks, at: 0) }
    }

    var isUrgent: Bool { state.withLock { $0.urgent } }
    var hasPending: Bool { state.withLock { !$0.pending.isEmpty } }
}
