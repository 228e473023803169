/// What went wrong, in words a person can act on, and the exit status it maps to.
/// The kinds follow the exit codes the design fixes.
public struct ArchiveError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Bad usage or input: exit 64.
        case badInput
        /// Refused by the lifecycle check: exit 4.
        case refused
        /// Uploads left incomplete, resumable with `--retry`: exit 3.
        case partial
        /// Anything else: exit 1.
        case failure
        /// `capture` could not start its command: exit 127 (not found) or 126, as a shell says.
        case commandNotRun(Int32)
    }

    public let kind: Kind
    public let message: String

    /// The message is printed, put in `--json` and traced as it is, and may quote an index field,
    /// a server's answer or a URL: credentials in it are redacted and it is escaped to one line
    /// here, once, for every output (`Wording.printable`).
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = Wording.printable(message)
    }

    public static func badInput(_ message: String) -> ArchiveError { ArchiveError(.badInput, message) }
    public static func failure(_ message: String) -> ArchiveError { ArchiveError(.failure, message) }
    public static func refused(_ message: String) -> ArchiveError { ArchiveError(.refused, message) }

    /// A failure `cause` led to: bad input (exit 64) when it is a refused symlink (`NoFollow`)
    /// or bad input itself, else a failure.
    public static func failure(_ message: String, cause: any Error) -> ArchiveError {
        if let cause = cause as? FileSystemError, cause.isSymlink { return .badInput(message) }
        if let cause = cause as? ArchiveError, cause.kind == .badInput { return .badInput(message) }
        return .failure(message)
    }

    public var exitCode: Int32 { kind.exitCode }
    public var description: String { message }
}

extension ArchiveError.Kind {
    public var exitCode: Int32 {
        switch self {
        case .badInput: 64
        case .refused: 4
        case .partial: 3
        case .failure: 1
        case .commandNotRun(let status): status
        }
    }
}

extension ArchiveError {
    /// What `--json` prints for a command that failed: `error`, `kind` and `exit_code`.
    public var json: JSONValue { .object(JSONObject(jsonMembers)) }

    /// The same three members, to add to an object that says what was done before the failure.
    public var jsonMembers: [(key: String, value: JSONValue)] {
        [("error", .string(message)), ("kind", .string(kind.name)), ("exit_code", .integer(Int64(exitCode)))]
    }
}

extension ArchiveError.Kind {
    /// The kind as `--json` names it.
    public var name: String {
        switch self {
        case .badInput: "bad_input"
        case .refused: "refused"
        case .partial: "partial"
        case .failure: "failure"
        case .commandNotRun: "command_not_run"
        }
    }
}
