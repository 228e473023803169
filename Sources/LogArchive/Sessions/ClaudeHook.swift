/// What a Claude Code hook hands its command on stdin: `{"session_id":…,"transcript_path":…,
/// "cwd":…,"hook_event_name":"SessionEnd"|"PreCompact"|…}`.
public struct ClaudeHookInput: Sendable, Equatable {
    public var sessionID: String
    public var transcriptPath: String
    public var cwd: String
    public var event: String

    /// The hook input, refused with the field at fault.
    public static func parse(_ bytes: [UInt8]) throws(ArchiveError) -> ClaudeHookInput {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw .badInput("the hook input on stdin is not JSON (\(error))")
        }
        guard case .object(let object) = value else { throw .badInput("the hook input on stdin is not a JSON object") }
        func field(_ key: String) throws(ArchiveError) -> String {
            guard case .string(let text)? = object[key], !text.isEmpty else {
                throw .badInput("the hook input on stdin has no '\(key)' string")
            }
            return text
        }
        return ClaudeHookInput(
            sessionID: try field("session_id"), transcriptPath: try field("transcript_path"), cwd: try field("cwd"),
            event: (try? field("hook_event_name")) ?? "")
    }
}

/// `logarchive hook claude`: imports the one session a hook names, from its transcript path, into
/// the logs folder of the repository its `cwd` is in. Never fails the agent's session: the caller
/// exits 0 and prints `problem` on stderr when there is one.
public struct ClaudeHook: Sendable {
    public var environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    public struct Outcome: Sendable {
        public var report: SessionImportReport?
        /// One line for stderr when nothing was imported.
        public var problem: String?
    }

    /// `logsDirectory` gives the logs folder for the repository root (settings resolved there).
    public func run(input bytes: [UInt8], redact: Bool = true, logsDirectory: (String) throws(ArchiveError) -> String)
        -> Outcome
    {
        do {
            let input = try ClaudeHookInput.parse(bytes)
            guard let status = try? FileStatus.of(input.transcriptPath), status.kind == .regular else {
                throw ArchiveError.badInput("the transcript \(input.transcriptPath) is missing or not a file")
            }
            let root = SessionDiscovery.repositoryRoot(of: input.cwd) ?? input.cwd
            let discovery = SessionDiscovery(environment: environment, repositoryRoot: root)
            guard
                var session = discovery.session(.claude, at: input.transcriptPath, modified: status.modificationSeconds)
            else {
                throw ArchiveError.badInput("the transcript \(input.transcriptPath) could not be read")
            }
            if session.cwd == nil { session.cwd = input.cwd }
            let importer = SessionImporter(SessionImportRequest(logsDirectory: try logsDirectory(root), redact: redact))
            let results = try importer.run([session])
            let report = SessionImportReport(results: results, redact: redact, dryRun: false)
            if let result = results.first, result.issue == nil {
                return Outcome(
                    report: report,
                    problem:
                        "no issue number in the branch '\(session.branch ?? "")' of session \(session.id): not imported"
                )
            }
            if let error = results.first?.error { return Outcome(report: report, problem: error) }
            return Outcome(report: report, problem: nil)
        } catch let error as ArchiveError {
            return Outcome(report: nil, problem: error.message)
        } catch {
            return Outcome(report: nil, problem: "\(error)")
        }
    }
}

/// `logarchive init --claude-hooks`: the hook added to a project's `.claude/settings.json` for
/// SessionEnd and PreCompact, merged with what the file holds (its other keys and hooks kept, in
/// their order), and not added twice.
public enum ClaudeHookSettings {
    public static let command = "logarchive hook claude"
    public static let events = ["SessionEnd", "PreCompact"]

    /// Returns the events the hook was added to (empty: it was already there; nothing written).
    @discardableResult
    public static func install(in path: String) throws(ArchiveError) -> [String] {
        var root = JSONObject()
        if FileSystem.exists(path) {
            let bytes: [UInt8]
            do {
                bytes = try FileSystem.readAll(path, limit: 16 << 20)
            } catch {
                throw .failure("could not read \(path): \(error)")
            }
            do {
                guard case .object(let object) = try JSONParser.parse(bytes) else {
                    throw ArchiveError.badInput("\(path) is not a JSON object; it is left alone")
                }
                root = object
            } catch let error as ArchiveError {
                throw error
            } catch {
                throw .badInput("\(path) is not valid JSON (\(error)); it is left alone")
            }
        }
        var hooks = JSONObject()
        if let existing = root["hooks"] {
            guard case .object(let object) = existing else {
                throw .badInput("\(path): 'hooks' is \(existing.kindName), not an object; it is left alone")
            }
            hooks = object
        }
        var added: [String] = []
        for event in events {
            var groups: [JSONValue] = []
            if let existing = hooks[event] {
                guard case .array(let array) = existing else {
                    throw .badInput("\(path): 'hooks.\(event)' is \(existing.kindName), not an array; it is left alone")
                }
                groups = array
            }
            if groups.contains(where: containsOurCommand) { continue }
            let hook = JSONValue.object(JSONObject([("type", .string("command")), ("command", .string(command))]))
            groups.append(.object(JSONObject([("hooks", .array([hook]))])))
            hooks[event] = .array(groups)
            added.append(event)
        }
        guard !added.isEmpty else { return [] }
        root["hooks"] = .object(hooks)
        do {
            try FileSystem.createDirectories(Paths.parent(of: path))
            try FileSystem.writeAtomically(JSONWriter.prettyUTF8(.object(root)), to: path)
        } catch {
            throw .failure("could not write \(path): \(error)")
        }
        return added
    }

    private static func containsOurCommand(_ group: JSONValue) -> Bool {
        guard case .object(let object) = group, case .array(let hooks)? = object["hooks"] else { return false }
        return hooks.contains { hook in
            guard case .object(let fields) = hook, case .string(let text)? = fields["command"] else { return false }
            return text.hasPrefix(command)
        }
    }
}
