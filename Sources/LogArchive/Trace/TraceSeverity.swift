/// How much a decision matters, in syslog's order, so a query can ask for "warning and worse".
public enum TraceSeverity: String, Sendable, Hashable, CaseIterable, Comparable {
    case debug
    case info
    case notice
    case warning
    case error

    private var rank: Int {
        switch self {
        case .debug: 0
        case .info: 1
        case .notice: 2
        case .warning: 3
        case .error: 4
        }
    }

    public static func < (lhs: TraceSeverity, rhs: TraceSeverity) -> Bool { lhs.rank < rhs.rank }
}
