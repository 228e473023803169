/// One agent session found on this machine: the transcript and what its head says, with the
/// transcripts of its subagents.
public struct DiscoveredSession: Sendable, Equatable {
    public struct Subagent: Sendable, Equatable {
        /// `<id>` of `agent-<id>.jsonl`.
        public var id: String
        public var path: String
        /// `agent-<id>.meta.json` beside it, when there is one.
        public var metaPath: String?
    }

    public var agent: SessionAgent
    public var id: String
    public var path: String
    public var cwd: String?
    public var branch: String?
    /// The first timestamp (ISO 8601), or nil.
    public var startedAt: String?
    public var subagents: [Subagent]
    /// The transcript's modification time, seconds since the epoch.
    public var modified: Int64

    /// The first 8 characters of the id (a UUID's first group), for file names.
    public var shortID: String { String(FileNameSafe.clean(id).prefix(8)) }

    /// `YYYY-MM-DD` of the first timestamp, else of the modification time (UTC).
    public var date: String {
        if let startedAt, startedAt.utf8.count >= 10, UTCTimestamp(iso8601: startedAt) != nil {
            return String(startedAt.prefix(10))
        }
        return String(UTCTimestamp(seconds: modified).iso8601.prefix(10))
    }
}

/// Ids become parts of file names: only letters, digits, `-` and `_` are kept.
enum FileNameSafe {
    static func clean(_ text: String) -> String {
        String(
            text.unicodeScalars.filter { $0.isASCII && (CharacterSetASCII.isWordByte(UInt8($0.value))) }.map(
                Character.init))
    }
}

enum CharacterSetASCII {
    static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }
}
