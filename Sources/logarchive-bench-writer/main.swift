// Measures `LogWriter` against a plain FileHandle write per line, in the same run: lines a second
// across many files from several threads, the latency of one append call (p50, p99, max), and
// peak resident memory. Not installed; scripts/bench-writer.sh runs it.
//
//   logarchive-bench-writer [--files 40] [--threads 4] [--lines 4000000] [--dir DIR]
//                           [--max-open 50] [--compare-filehandle]
import Foundation
import LogArchive

struct Options {
    var files = 40
    var threads = 4
    var lines = 4_000_000
    var directory = "bench-writer-out"
    var maximumOpen = 50
    var compareFileHandle = false

    init(_ arguments: [String]) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--files": files = Int(iterator.next() ?? "") ?? files
            case "--threads": threads = Int(iterator.next() ?? "") ?? threads
            case "--lines": lines = Int(iterator.next() ?? "") ?? lines
            case "--dir": directory = iterator.next() ?? directory
            case "--max-open": maximumOpen = Int(iterator.next() ?? "") ?? maximumOpen
            case "--compare-filehandle": compareFileHandle = true
            default:
                FileHandle.standardError.write(Data("unknown argument \(argument)\n".utf8))
                exit(64)
            }
        }
    }
}

/// Runs `body(thread, index)` for `lines` lines split over `threads`, timing every call (in
/// nanoseconds, 4 bytes each, so the measurement itself stays small next to the writer).
func measure(_ options: Options, _ body: @Sendable (Int, Int) -> Void) -> (seconds: Double, latencies: [UInt32]) {
    let perThread = options.lines / options.threads
    var seconds = 0.0
    let latencies = [UInt32](unsafeUninitializedCapacity: perThread * options.threads) { buffer, count in
        let shared = UnsafeSendable(buffer)
        let start = MonotonicClock.nanoseconds()
        DispatchQueue.concurrentPerform(iterations: options.threads) { thread in
            for index in 0..<perThread {
                let before = MonotonicClock.nanoseconds()
                body(thread, index)
                shared.value[thread * perThread + index] = UInt32(clamping: MonotonicClock.nanoseconds() - before)
            }
        }
        seconds = Double(MonotonicClock.nanoseconds() - start) / 1e9
        count = perThread * options.threads
    }
    return (seconds, latencies)
}

struct UnsafeSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

func report(_ label: String, _ options: Options, seconds: Double, latencies: inout [UInt32]) {
    latencies.sort()
    let sorted = latencies
    func percentile(_ p: Double) -> UInt32 { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
    let rate = Double(sorted.count) / seconds
    print(
        String(
            format: "| %@ | %d | %d | %d | %.2f s | %.0f | %.2f µs | %.2f µs | %.1f µs |", label, options.files, options.threads,
            sorted.count, seconds, rate, Double(percentile(0.5)) / 1000, Double(percentile(0.99)) / 1000,
            Double(sorted.last ?? 0) / 1000))
}

func peakResidentMiB() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
    return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let paths = (0..<options.files).map { "\(options.directory)/logwriter/\($0).log" }
let line = String(repeating: "x", count: 50)

var configuration = LogWriter.Configuration()
configuration.maximumOpenFiles = options.maximumOpen
let writer = LogWriter(configuration: configuration)
let files = paths.map { writer.file($0) }
var (seconds, latencies) = measure(options) { thread, index in
    files[(index &+ thread) % files.count].append("t\(thread) \(index) \(line)")
}
do {
    try writer.close()
} catch {
    FileHandle.standardError.write(Data("logarchive-bench-writer: \(error)\n".utf8))
    exit(1)
}
// Peak memory of the writer's run, before the statistics below allocate anything.
let writerPeak = peakResidentMiB()
print("| writer | files | threads | lines | time | lines/s | p50 append | p99 append | max append |")
print("|---|---|---|---|---|---|---|---|---|")
report("LogWriter", options, seconds: seconds, latencies: &latencies)
latencies = []
let statistics = writer.statistics

if options.compareFileHandle {
    let handlePaths = (0..<options.files).map { "\(options.directory)/filehandle/\($0).log" }
    try? FileManager.default.createDirectory(atPath: "\(options.directory)/filehandle", withIntermediateDirectories: true)
    let handles = handlePaths.map { path -> FileHandle in
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = FileHandle(forWritingAtPath: path)!
        handle.seekToEndOfFile()
        return handle
    }
    let locks = handles.map { _ in NSLock() }
    var plain = measure(options) { thread, index in
        let slot = (index &+ thread) % handles.count
        let data = Data("t\(thread) \(index) \(line)\n".utf8)
        locks[slot].lock()
        handles[slot].write(data)
        locks[slot].unlock()
    }
    report("FileHandle.write per line", options, seconds: plain.seconds, latencies: &plain.latencies)
}
print(
    "\nLogWriter: \(statistics.bytesWritten) bytes in \(statistics.flushes) writes, \(statistics.evictions) evictions; peak RSS of the LogWriter run \(writerPeak) MiB (\(options.lines * 4 / 1_048_576) MiB of it the latency samples)"
)
