/// An instant on the monotonic clock, in nanoseconds since an arbitrary start (boot on Linux).
/// Trace timestamps must not jump when the wall clock is set, or a run's decisions would be
/// reordered; the export pairs them with one wall-clock time so a reader can place them.
public struct TraceTimestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let nanoseconds: UInt64

    public init(nanoseconds: UInt64) {
        self.nanoseconds = nanoseconds
    }

    /// `clock_gettime(CLOCK_MONOTONIC)`: a vDSO call, no system call, cheap enough for every event.
    public static func now() -> TraceTimestamp {
        TraceTimestamp(nanoseconds: MonotonicClock.nanoseconds())
    }

    public static func < (lhs: TraceTimestamp, rhs: TraceTimestamp) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }

    /// The signed time from `rhs` to `lhs`, exact to the nanosecond.
    public static func - (lhs: TraceTimestamp, rhs: TraceTimestamp) -> TraceDuration {
        if lhs.nanoseconds >= rhs.nanoseconds {
            return .nanoseconds(Int64(lhs.nanoseconds - rhs.nanoseconds))
        }
        return .nanoseconds(-Int64(rhs.nanoseconds - lhs.nanoseconds))
    }

    /// The instant `duration` later (or earlier, for a negative duration); traps below zero.
    public static func + (lhs: TraceTimestamp, rhs: TraceDuration) -> TraceTimestamp {
        if rhs.nanoseconds >= 0 {
            return TraceTimestamp(nanoseconds: lhs.nanoseconds + UInt64(rhs.nanoseconds))
        }
        return TraceTimestamp(nanoseconds: lhs.nanoseconds - rhs.nanoseconds.magnitude)
    }

    public static func - (lhs: TraceTimestamp, rhs: TraceDuration) -> TraceTimestamp {
        lhs + (.zero - rhs)
    }

    /// The time elapsed since this instant.
    public var elapsed: TraceDuration { TraceTimestamp.now() - self }

    public var description: String { "\(nanoseconds) ns" }
}
