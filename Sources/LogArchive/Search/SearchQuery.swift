/// What `search` looks for and how much of it to show.
public struct SearchQuery: Sendable {
    public var pattern: String
    public var isRegex = false
    public var ignoreCase = false
    /// Lines shown before and after each match, as `grep -C`.
    public var context = 0
    /// `--` between groups of lines that are not adjacent: grep prints it whenever context is
    /// asked for, even `-C 0`.
    public var separatesGroups = false
    /// Matching lines to report at most, over all logs.
    public var maxResults: Int?
    /// Whether match positions are needed (highlighting on a terminal).
    public var highlight = false

    public init(pattern: String) {
        self.pattern = pattern
    }
}

/// How `search` prints: grep's `file:line:text` (matches highlighted in bold red when asked), or
/// one JSON object per match.
public enum SearchOutputFormat: Sendable {
    case text(color: Bool)
    case jsonLines
}

/// What a search found, beside what it printed.
public struct SearchOutcome: Sendable {
    public let matches: Int
    public let logsSearched: Int
    /// Logs that could not be read (missing or damaged objects); the search went on without them.
    public let failures: [ArchiveError]
}

extension UTCTimestamp {
    /// `2025-01-15` (the start of that day in UTC, or its last second with `endOfDay`) or a full
    /// ISO 8601 instant such as `2025-01-15T14:00:00Z`.
    public init?(dateOrInstant text: String, endOfDay: Bool = false) {
        let bytes = Array(text.utf8)
        if bytes.count == 10, let midnight = UTCTimestamp(iso8601: text + "T00:00:00Z") {
            self.init(seconds: midnight.seconds + (endOfDay ? 86_399 : 0))
        } else if let instant = UTCTimestamp(iso8601: text) {
            self = instant
        } else {
            return nil
        }
    }
}
