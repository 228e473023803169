import Foundation
import Synchronization

/// How far long work has got (compressing, uploading, downloading, searching): bytes done of a
/// total, in a named phase. The work only adds to counters; whoever shows progress (the command
/// line, on a terminal) reads them a few times a second.
///
/// The command line makes one when it will show progress and hands it to the work through its
/// context (`PipelineContext.progress`, `LogRotator.Options.progress`, `ArchiveReader.progress`,
/// a store's `put`); nil when nobody watches, which costs the work one nil check.
public final class ProgressMeter: Sendable {
    public struct Snapshot: Sendable, Equatable {
        public let phase: String
        public let done: Int64
        public let total: Int64
        /// Monotonic nanoseconds when the phase began.
        public let started: UInt64
    }

    private let state = Locked<(phase: String, total: Int64, started: UInt64)>(("", 0, 0))
    private let done = Atomic<Int64>(0)

    public init() {}

    public func begin(_ phase: String, total: Int64) {
        state.withLock { $0 = (phase, total, MonotonicClock.nanoseconds()) }
        done.store(0, ordering: .relaxed)
    }

    public func advance(_ bytes: Int) {
        done.add(Int64(bytes), ordering: .relaxed)
    }

    /// Ends the phase: nothing more to show until the next `begin`.
    public func end() {
        state.withLock { $0 = ("", 0, 0) }
    }

    public var snapshot: Snapshot {
        let (phase, total, started) = state.withLock { $0 }
        // A retried transfer sends some bytes twice: never show more than the total.
        let count = done.load(ordering: .relaxed)
        return Snapshot(phase: phase, done: total > 0 ? min(count, total) : count, total: total, started: started)
    }
}

extension ProgressMeter.Snapshot {
    /// `compress  45.2 MB / 120 MB  38%  52 MB/s  ETA 2s`, or nil when there is nothing to show.
    public func line(now: UInt64 = MonotonicClock.nanoseconds()) -> String? {
        guard !phase.isEmpty else { return nil }
        let seconds = Double(now &- started) / 1e9
        let rate = seconds > 0.2 ? Double(done) / seconds : 0
        var parts = [phase.padding(toLength: 9, withPad: " ", startingAt: 0), ByteCount.format(done)]
        if total > 0 {
            parts[1] += " / " + ByteCount.format(total)
            parts.append("\(Int(Double(done) * 100 / Double(total)))%")
        }
        if rate > 0 {
            parts.append(ByteCount.format(Int64(rate)) + "/s")
            if total > done {
                parts.append("ETA " + DurationText.format(seconds: Int64((Double(total - done) / rate).rounded(.up))))
            }
        }
        return parts.joined(separator: "  ")
    }
}
