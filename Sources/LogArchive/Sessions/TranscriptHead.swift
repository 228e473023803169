/// What the first lines of a transcript say about its session: its id, the folder the agent
/// worked in, its git branch and its first timestamp. Only the head is read, so finding the
/// sessions of a repository among thousands costs one small read each.
struct TranscriptHead: Sendable, Equatable {
    var sessionID: String?
    var cwd: String?
    var branch: String?
    var timestamp: String?

    /// The head read: enough for the first lines of either agent.
    static let readLimit = 256 * 1024

    /// Claude Code: each line carries `sessionId`, `cwd`, `gitBranch`, `timestamp` (a first
    /// `summary` or snapshot line may carry none), so lines are read until they are all seen.
    static func claude(_ bytes: [UInt8]) -> TranscriptHead {
        var head = TranscriptHead()
        for line in wholeLines(bytes) {
            guard case .object(let object)? = try? JSONParser.parse(Array(line)) else { continue }
            head.sessionID = head.sessionID ?? object.string("sessionId")
            head.cwd = head.cwd ?? object.string("cwd")
            if let branch = object.string("gitBranch"), !branch.isEmpty, head.branch == nil { head.branch = branch }
            head.timestamp = head.timestamp ?? object.string("timestamp")
            if head.sessionID != nil, head.cwd != nil, head.branch != nil, head.timestamp != nil { break }
        }
        return head
    }

    /// Codex: the first line is `{"timestamp":…,"type":"session_meta","payload":{"id":…,"cwd":…,
    /// "git":{"branch":…}}}`.
    static func codex(_ bytes: [UInt8]) -> TranscriptHead {
        var head = TranscriptHead()
        for line in wholeLines(bytes).prefix(4) {
            guard case .object(let object)? = try? JSONParser.parse(Array(line)),
                object.string("type") == "session_meta", case .object(let payload)? = object["payload"]
            else { continue }
            head.sessionID = payload.string("id")
            head.cwd = payload.string("cwd")
            if case .object(let git)? = payload["git"] { head.branch = git.string("branch") }
            head.timestamp = payload.string("timestamp") ?? object.string("timestamp")
            break
        }
        return head
    }

    /// The lines that end with a newline: a line still being written is not read.
    static func wholeLines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        guard let last = bytes.lastIndex(of: 0x0A) else { return [] }
        return bytes[..<last].split(separator: 0x0A, omittingEmptySubsequences: true)
    }
}

extension JSONObject {
    fileprivate func string(_ key: String) -> String? {
        if case .string(let value)? = self[key] { return value }
        return nil
    }
}
