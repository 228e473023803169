import Dispatch

/// The `LogWriter`'s writing side, run by its one flusher thread: which buffers to write when, the
/// pool of open descriptors, and the counts. Other threads only queue requests and read counts.
final class Flusher: @unchecked Sendable {
    enum Request { case flushAll, shutdown }

    private let configuration: LogWriter.Configuration
    private let handles: HandlePool
    private let shared = Locked<Shared>(Shared())
    private var lastFullFlush = MonotonicClock.nanoseconds()

    private struct Shared {
        var requests: [(Request, DispatchSemaphore, Box)] = []
        var statistics = LogWriter.Statistics()
        var lastError: Error?
        var stopped = false
    }

    /// Where a request's outcome is left for the thread that waits on it.
    final class Box: @unchecked Sendable { var error: Error? }

    init(configuration: LogWriter.Configuration) {
        self.configuration = configuration
        handles = HandlePool(limit: configuration.maximumOpenFiles, idleTimeout: configuration.idleTimeout)
    }

    var statistics: LogWriter.Statistics {
        var statistics = shared.withLock { $0.statistics }
        statistics.openHandles = handles.openCount
        statistics.evictions = handles.evictions
        return statistics
    }

    var lastError: Error? { shared.withLock { $0.lastError } }
    var stopped: Bool { shared.withLock { $0.stopped } }

    /// Queues `request` for the flusher and waits until it is done.
    func request(_ request: Request, wake: DispatchSemaphore) throws {
        let done = DispatchSemaphore(value: 0)
        let box = Box()
        let accepted = shared.withLock { shared -> Bool in
            guard !shared.stopped else { return false }
            shared.requests.append((request, done, box))
            return true
        }
        guard accepted else { return }
        wake.signal()
        done.wait()
        if let error = box.error { throw error }
    }

    /// One round of the flusher; returns the bytes it wrote.
    func tick(_ files: [LogFile], overLimit: Bool) -> Int64 {
        let requests = shared.withLock { shared in
            defer { shared.requests = [] }
            return shared.requests
        }
        let now = MonotonicClock.nanoseconds()
        let intervalDue = Double(now - lastFullFlush) / 1e9 >= configuration.flushInterval
        let everything = intervalDue || overLimit || !requests.isEmpty
        if everything { lastFullFlush = now }
        // Under memory pressure the files holding warnings and errors go first.
        let ordered = overLimit ? files.filter(\.isUrgent) + files.filter { !$0.isUrgent } : files
        var written: Int64 = 0
        var firstError: Error?
        for file in ordered where everything || file.hasPending {
            let (bytes, error) = write(file, all: everything)
            written += bytes
            if firstError == nil, let error { firstError = error }
        }
        handles.closeIdle()
        let shuttingDown = requests.contains { $0.0 == .shutdown }
        if shuttingDown { handles.closeAll() }
        shared.withLock { shared in
            if shuttingDown { shared.stopped = true }
        }
        for (_, done, box) in requests {
            box.error = firstError
            done.signal()
        }
        return written
    }

    /// Writes the file's due buffers; on failure gives back what did not reach the disk.
    private func write(_ file: LogFile, all: Bool) -> (Int64, Error?) {
        var chunks = file.take(all: all)
        guard !chunks.isEmpty else { return (0, nil) }
        var written: Int64 = 0
        do {
            let output = try handles.file(for: file.path)
            // Writers take the lock `rotate` waits on; a lock that fails still lets the write go.
            try? output.lock(.shared)
            defer { output.unlock() }
            while !chunks.isEmpty {
                let (count, failure) = chunks[0].withUnsafeBytes { output.writeAsMuch($0) }
                written += Int64(count)
                if let failure {
                    // Keep exactly the bytes that did not land.
                    chunks[0].removeFirst(count)
                    throw failure
                }
                chunks.removeFirst()
                shared.withLock { $0.statistics.flushes += 1 }
            }
            shared.withLock { $0.statistics.bytesWritten += written }
            return (written, nil)
        } catch {
            file.giveBack(chunks)
            shared.withLock { shared in
                shared.statistics.bytesWritten += written
                shared.statistics.writeErrors += 1
                shared.lastError = error
            }
            return (written, error)
        }
    }
}
