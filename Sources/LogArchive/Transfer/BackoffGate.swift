/// Where a rate limit slows every transfer, not only the one that heard it: a worker told to slow
/// down (429, SlowDown) closes the gate for its delay, and every other worker sharing the retry
/// policy waits at the gate before its next request. Otherwise 7 of 8 workers would go on
/// hammering a server that has just asked for less.
public final class BackoffGate: Sendable {
    /// Monotonic nanoseconds before which no request starts.
    private let closedUntil = Locked<UInt64>(0)

    public init() {}

    /// Keeps requests back for `seconds` from now (or longer, if the gate already says so).
    public func close(forSeconds seconds: Double) {
        guard seconds > 0 else { return }
        let until = MonotonicClock.nanoseconds() + UInt64(seconds * 1e9)
        closedUntil.withLock { $0 = max($0, until) }
    }

    /// How long a request must still wait, in seconds (0 when the gate is open).
    public var remainingSeconds: Double {
        let until = closedUntil.withLock { $0 }
        let now = MonotonicClock.nanoseconds()
        return until > now ? Double(until - now) / 1e9 : 0
    }

    /// Returns once the gate is open.
    public func wait() {
        var remaining = remainingSeconds
        while remaining > 0 {
            MonotonicClock.sleep(seconds: remaining)
            remaining = remainingSeconds
        }
    }
}
