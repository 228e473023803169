import Glibc

/// A wall-clock instant to the millisecond, for names and log lines that must sort in the order
/// they were made within one second.
public struct UTCInstant: Sendable, Equatable {
    public let timestamp: UTCTimestamp
    public let milliseconds: Int

    public static func now() -> UTCInstant {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UTCInstant(timestamp: UTCTimestamp(seconds: Int64(spec.tv_sec)), milliseconds: Int(spec.tv_nsec / 1_000_000))
    }

    /// `2025-01-15T14:00:00.123Z`
    public var iso8601: String { String(timestamp.iso8601.dropLast()) + fraction }

    /// `20250115T140000.123Z`: the basic form, fit for a file name.
    public var basicISO8601: String { String(timestamp.basicISO8601.dropLast()) + fraction }

    private var fraction: String {
        let digits = String(milliseconds)
        return "." + String(repeating: "0", count: max(0, 3 - digits.count)) + digits + "Z"
    }
}
