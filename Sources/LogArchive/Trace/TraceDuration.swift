/// A span of time in whole nanoseconds. Integer arithmetic only: a billion 1 ns steps add up to
/// exactly one second, which floating point seconds would not. Overflow traps rather than wraps.
/// Named apart from the standard library's `Duration`, which `swiftDuration` converts to.
public struct TraceDuration: Sendable, Hashable, Comparable, AdditiveArithmetic, CustomStringConvertible {
    public let nanoseconds: Int64

    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    public static let zero = TraceDuration(nanoseconds: 0)

    public static func nanoseconds(_ value: Int64) -> TraceDuration { TraceDuration(nanoseconds: value) }
    public static func microseconds(_ value: Int64) -> TraceDuration { TraceDuration(nanoseconds: value * 1_000) }
    public static func milliseconds(_ value: Int64) -> TraceDuration { TraceDuration(nanoseconds: value * 1_000_000) }
    public static func seconds(_ value: Int64) -> TraceDuration { TraceDuration(nanoseconds: value * 1_000_000_000) }

    public static func + (lhs: TraceDuration, rhs: TraceDuration) -> TraceDuration {
        TraceDuration(nanoseconds: lhs.nanoseconds + rhs.nanoseconds)
    }

    public static func - (lhs: TraceDuration, rhs: TraceDuration) -> TraceDuration {
        TraceDuration(nanoseconds: lhs.nanoseconds - rhs.nanoseconds)
    }

    public static func * (lhs: TraceDuration, rhs: Int64) -> TraceDuration {
        TraceDuration(nanoseconds: lhs.nanoseconds * rhs)
    }

    public static func < (lhs: TraceDuration, rhs: TraceDuration) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }

    public var swiftDuration: Duration { .nanoseconds(nanoseconds) }

    public var description: String { "\(nanoseconds) ns" }
}
