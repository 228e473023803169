/// The kind of a log, which is the folder it lives in under the logs dir.
public enum LogType: String, Sendable, CaseIterable, Comparable {
    case session
    case build
    case deployment
    case debug

    /// The folder under the logs dir holding logs of this type.
    public var folder: String {
        switch self {
        case .session: "sessions"
        case .build: "builds"
        case .deployment: "deployments"
        case .debug: "debug"
        }
    }

    /// Heading used in summaries and the issue comment.
    public var heading: String {
        switch self {
        case .session: "Sessions"
        case .build: "Build Logs"
        case .deployment: "Deployment Logs"
        case .debug: "Debug Logs"
        }
    }

    public static func < (lhs: LogType, rhs: LogType) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
