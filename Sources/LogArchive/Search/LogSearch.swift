import Dispatch
import Foundation

/// Searches many logs at once and prints as a sequential search would: a few workers each fetch,
/// verify, decompress and scan one log at a time, in order, into a buffer of its own; the calling
/// thread prints the buffers in log order. A buffer holds at most `bufferedLinesPerLog` lines
/// (or `bufferedBytesPerLog` bytes) before its worker waits for its turn, so memory stays bounded
/// whatever the number of matches and their length.
public struct LogSearch: Sendable {
    public let query: SearchQuery
    public let reader: ArchiveReader
    public let workers: Int
    static let bufferedLinesPerLog = 4096
    static let bufferedBytesPerLog = 4 << 20
    /// A worker hands its lines over in batches of at most this many lines or bytes.
    static let batchLines = 256
    static let batchBytes = 1 << 20

    /// Checks the query (a regular expression must compile) before anything is read.
    public init(query: SearchQuery, reader: ArchiveReader, workers: Int = 3) throws(ArchiveError) {
        _ = try LineMatcher(pattern: query.pattern, isRegex: query.isRegex, ignoreCase: query.ignoreCase, wantsRanges: query.highlight)
        self.query = query
        self.reader = reader
        self.workers = max(1, workers)
    }

    /// Searches `sources` and hands the output bytes, in order, to `write`.
    public func run(_ sources: [LogSource], format: SearchOutputFormat, write: @escaping (UnsafeRawBufferPointer) throws -> Void)
        throws -> SearchOutcome
    {
        let slots = SearchSlots(count: sources.count)
        let group = DispatchGroup()
        for _ in 0..<min(workers, sources.count) {
            DispatchQueue.global().async(group: group) { [query, reader] in
                LogSearch.work(sources, slots: slots, query: query, reader: reader)
            }
        }
        // Whatever happens while printing, the workers are told to stop and are waited for.
        defer {
            slots.cancel()
            group.wait()
        }
        let printer = SearchPrinter(
            format: format, context: query.context, separatesGroups: query.separatesGroups, maxResults: query.maxResults, write: write)
        var failures: [ArchiveError] = []
        printing: for (index, source) in sources.enumerated() {
            while true {
                let (lines, failure, finished) = slots.take(index)
                for line in lines {
                    guard try printer.accept(line, of: source, fileIndex: index) else { break printing }
                }
                if finished {
                    if let failure { failures.append(failure) }
                    break
                }
            }
        }
        try printer.finish()
        return SearchOutcome(matches: printer.matches, logsSearched: sources.count, failures: failures)
    }

    private static func work(_ sources: [LogSource], slots: SearchSlots, query: SearchQuery, reader: ArchiveReader) {
        guard
            let matcher = try? LineMatcher(
                pattern: query.pattern, isRegex: query.isRegex, ignoreCase: query.ignoreCase, wantsRanges: query.highlight)
        else { return }
        while let index = slots.claimNext() {
            var batch: [SearchLine] = []
            var batchBytes = 0
            let scanner = LineScanner(matcher: matcher, context: query.context, maxMatches: query.maxResults, wantsRanges: query.highlight) {
                line in
                batch.append(line)
                batchBytes += line.bytes.count
                if batch.count >= LogSearch.batchLines || batchBytes >= LogSearch.batchBytes {
                    try slots.append(batch, to: index)
                    batch.removeAll(keepingCapacity: true)
                    batchBytes = 0
                }
            }
            var failure: ArchiveError?
            do {
                try reader.stream(sources[index]) { try scanner.feed($0) }
                try scanner.finish()
            } catch is SearchStopped {
                // Enough matches in this log, or the search is over.
            } catch let error as ArchiveError {
                failure = error
            } catch {
                failure = .failure("cannot search \(sources[index].displayPath): \(error)")
            }
            try? slots.append(batch, to: index)
            slots.finish(index, failure: failure)
        }
    }
}

/// The per-log buffers between the workers and the printing thread, under one condition variable.
private final class SearchSlots: @unchecked Sendable {
    private let condition = NSCondition()
    private var batches: [[[SearchLine]]]
    private var buffered: [Int]
    private var bufferedBytes: [Int]
    private var finished: [Bool]
    private var failures: [ArchiveError?]
    private var next = 0
    private var cancelled = false

    init(count: Int) {
        batches = Array(repeating: [], count: count)
        buffered = Array(repeating: 0, count: count)
        bufferedBytes = Array(repeating: 0, count: count)
        finished = Array(repeating: false, count: count)
        failures = Array(repeating: nil, count: count)
    }

    func claimNext() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        guard !cancelled, next < batches.count else { return nil }
        next += 1
        return next - 1
    }

    /// Waits while the log's buffer is full (until it is its turn to print); throws once the
    /// search is over.
    func append(_ lines: [SearchLine], to index: Int) throws {
        guard !lines.isEmpty else { return }
        condition.lock()
        defer { condition.unlock() }
        func full() -> Bool {
            buffered[index] >= LogSearch.bufferedLinesPerLog || bufferedBytes[index] >= LogSearch.bufferedBytesPerLog
        }
        while full() && !cancelled { condition.wait() }
        if cancelled { throw SearchStopped() }
        batches[index].append(lines)
        buffered[index] += lines.count
        bufferedBytes[index] += lines.reduce(0) { $0 + $1.bytes.count }
        condition.broadcast()
    }

    func finish(_ index: Int, failure: ArchiveError?) {
        condition.lock()
        finished[index] = true
        failures[index] = failure
        condition.broadcast()
        condition.unlock()
    }

    /// The lines buffered for a log, waiting for some; `finished` once the log is done and drained.
    func take(_ index: Int) -> (lines: [SearchLine], failure: ArchiveError?, finished: Bool) {
        condition.lock()
        defer { condition.unlock() }
        while batches[index].isEmpty && !finished[index] { condition.wait() }
        let lines = batches[index].flatMap { $0 }
        batches[index].removeAll()
        buffered[index] = 0
        bufferedBytes[index] = 0
        condition.broadcast()
        return (lines, failures[index], finished[index])
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}
