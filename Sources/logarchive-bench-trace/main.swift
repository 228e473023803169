// Load on one TraceCollector: THREADS producers each record EVENTS events at once. Reports the
// throughput, the latency of single `record` calls (every Nth call is timed with the monotonic
// clock, into a buffer allocated before the run), peak RSS, and whether the ring ends full.
// Usage: logarchive-bench-trace [--threads 8] [--events 1000000] [--capacity 10000] [--sample-every 100]
import Foundation
import LogArchive

struct Options {
    var threads = 8
    var events = 1_000_000
    var capacity = TraceCollector.defaultCapacity
    var sampleEvery = 100

    init(_ arguments: [String]) {
        var iterator = arguments.makeIterator()
        while let flag = iterator.next() {
            guard let text = iterator.next(), let value = Int(text), value > 0 else {
                fatalError("usage: logarchive-bench-trace [--threads N] [--events N] [--capacity N] [--sample-every N]")
            }
            switch flag {
            case "--threads": threads = value
            case "--events": events = value
            case "--capacity": capacity = value
            case "--sample-every": sampleEvery = value
            default: fatalError("unknown option \(flag)")
            }
        }
    }
}

/// One producer's timed calls, written only by that producer and read after it has finished.
final class LatencySamples: @unchecked Sendable {
    let nanoseconds: UnsafeMutableBufferPointer<UInt64>

    init(count: Int) {
        nanoseconds = .allocate(capacity: count)
        nanoseconds.initialize(repeating: 0)
    }

    deinit { nanoseconds.deallocate() }
}

func percentile(_ sorted: [UInt64], _ fraction: Double) -> UInt64 {
    guard !sorted.isEmpty else { return 0 }
    let rank = Int((Double(sorted.count) * fraction).rounded(.up)) - 1
    return sorted[min(max(rank, 0), sorted.count - 1)]
}

func peakResidentMebibytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss / 1024  // kilobytes on Linux
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let collector = TraceCollector(capacity: options.capacity)
let samplesPerThread = options.events / options.sampleEvery
let samples = (0..<options.threads).map { _ in LatencySamples(count: samplesPerThread) }
let start = DispatchSemaphore(value: 0)
let finished = DispatchGroup()

for thread in 0..<options.threads {
    finished.enter()
    let mine = samples[thread]
    let component = "producer-\(thread)"
    let subject = "builds/\(900 + thread)-build.log"
    Thread.detachNewThread {
        start.wait()
        for index in 0..<options.events {
            guard
                let event = try? TraceEvent.Builder(
                    type: "compress.decision", component: component, requestID: "bench-run", subject: subject,
                    rationale: "over the 1 MiB threshold"
                ).build()
            else { fatalError("the builder refused a valid event") }
            if index % options.sampleEvery == 0, index / options.sampleEvery < samplesPerThread {
                let before = MonotonicClock.nanoseconds()
                collector.record(event)
                mine.nanoseconds[index / options.sampleEvery] = MonotonicClock.nanoseconds() - before
            } else {
                collector.record(event)
            }
        }
        finished.leave()
    }
}

let began = MonotonicClock.nanoseconds()
for _ in 0..<options.threads { start.signal() }
finished.wait()
let elapsed = MonotonicClock.nanoseconds() - began

var timerOverhead: [UInt64] = []
for _ in 0..<10_000 {
    let before = MonotonicClock.nanoseconds()
    timerOverhead.append(MonotonicClock.nanoseconds() - before)
}
timerOverhead.sort()

let latencies = samples.flatMap { Array($0.nanoseconds) }.sorted()
let total = options.threads * options.events
let seconds = Double(elapsed) / 1e9
let expectedCount = min(total, options.capacity)
let expectedDropped = UInt64(max(0, total - options.capacity))
let countOK = collector.count == expectedCount && collector.droppedCount == expectedDropped

print(
    "threads \(options.threads) x \(options.events) events, capacity \(options.capacity), \(ProcessInfo.processInfo.activeProcessorCount) cores"
)
print("elapsed \(String(format: "%.3f", seconds)) s, \(Int(Double(total) / seconds)) events/s (building and recording)")
print(
    "record latency (\(latencies.count) calls, every \(options.sampleEvery)th): p50 \(percentile(latencies, 0.5)) ns,"
        + " p99 \(percentile(latencies, 0.99)) ns, p99.9 \(percentile(latencies, 0.999)) ns, max \(latencies.last ?? 0) ns"
)
print("timer overhead (two clock reads): p50 \(percentile(timerOverhead, 0.5)) ns")
print("peak RSS \(peakResidentMebibytes()) MiB")
print(
    "final count \(collector.count) (expected \(expectedCount)), dropped \(collector.droppedCount) (expected \(expectedDropped)): \(countOK ? "ok" : "WRONG")"
)
exit(countOK ? 0 : 1)
