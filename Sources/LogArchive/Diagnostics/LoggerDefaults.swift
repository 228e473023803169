import Logging

extension Logger {
    /// What the library logs to when its caller gives no logger: nothing. The library never
    /// bootstraps `LoggingSystem` nor makes a logger that would write somewhere; the executable's
    /// commands make theirs.
    public static let discarding = Logger(label: "logarchive.discarded", factory: { _ in SwiftLogNoOpLogHandler() })
}

extension Logger.MetadataValue {
    /// A duration in milliseconds with three decimals, from monotonic nanoseconds.
    static func milliseconds(_ nanoseconds: UInt64) -> Logger.MetadataValue {
        let micros = nanoseconds / 1000
        let fraction = String(micros % 1000)
        return .string("\(micros / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)")
    }
}
