/// What `sessions import` (and the hook) does with each session found.
public struct SessionImportRequest: Sendable {
    /// `--issue N`: every session found is attached to N; else each to the issue its branch names.
    public var issue: IssueNumber?
    public var logsDirectory: String
    /// On by default; `--no-redact` keeps the transcripts' exact bytes.
    public var redact: Bool
    public var dryRun: Bool

    public init(issue: IssueNumber? = nil, logsDirectory: String, redact: Bool = true, dryRun: Bool = false) {
        self.issue = issue
        self.logsDirectory = logsDirectory
        self.redact = redact
        self.dryRun = dryRun
    }
}

/// One file written (or that would be) into `logs/sessions/`.
public struct ImportedFile: Sendable {
    public var name: String
    public var outcome: String
    public var lines: Int
    public var bytes: Int64
    public var counts: RedactionCounts
}

/// One session: attached to an issue and copied, or left alone.
public struct SessionImportResult: Sendable {
    public var session: DiscoveredSession
    /// nil: no `--issue` and no number in the branch; nothing was written.
    public var issue: IssueNumber?
    public var files: [ImportedFile]
    /// Why it could not be imported, when it could not.
    public var error: String?

    public var counts: RedactionCounts {
        var total = RedactionCounts()
        for file in files { total.add(file.counts) }
        return total
    }
}

/// Copies sessions into `<logs>/sessions/` under the names the collect stage gives their issue:
/// `session-<N>-<date>-<agent>-<short id>.jsonl`, each subagent beside it as
/// `…-<short id>-agent-<id>.jsonl` with its `.meta.json`. The same session always gets the same
/// names, so importing again replaces a copy that grew and never makes a second one.
public struct SessionImporter: Sendable {
    public let request: SessionImportRequest

    public init(_ request: SessionImportRequest) {
        self.request = request
    }

    public var sessionsFolder: String { Paths.join(request.logsDirectory, LogType.session.folder) }

    public func run(_ sessions: [DiscoveredSession]) throws(ArchiveError) -> [SessionImportResult] {
        if !request.dryRun, sessions.contains(where: { issue(for: $0) != nil }) {
            try prepareFolder()
        }
        let results = sessions.map(importOne)
        // One folder sync for every rename: 10,000 sessions cost 10,000 file syncs, not 20,000.
        let renamed = results.contains { $0.files.contains { $0.outcome == "new" || $0.outcome == "replaced" } }
        if !request.dryRun, renamed {
            do {
                try FileSystem.syncDirectory(sessionsFolder)
            } catch {
                throw .failure("could not sync \(sessionsFolder): \(error)")
            }
        }
        return results
    }

    public func issue(for session: DiscoveredSession) -> IssueNumber? {
        request.issue ?? session.branch.flatMap(BranchIssue.issue(in:))
    }

    /// The name of the session's transcript in `logs/sessions/`.
    public static func baseName(_ session: DiscoveredSession, issue: IssueNumber) -> String {
        "session-\(issue)-\(session.date)-\(session.agent.rawValue)-\(session.shortID)"
    }

    /// The short name, unless another session's copy holds it (two ids that share their first 8
    /// characters): then the whole id, so that neither ever overwrites the other.
    func baseName(_ session: DiscoveredSession, issue: IssueNumber) -> String {
        let short = Self.baseName(session, issue: issue)
        let existing = Paths.join(sessionsFolder, short + ".jsonl")
        guard let bytes = try? FileSystem.readPrefix(existing, count: TranscriptHead.readLimit) else { return short }
        let head = session.agent == .claude ? TranscriptHead.claude(bytes) : TranscriptHead.codex(bytes)
        guard let recorded = head.sessionID, recorded != session.id else { return short }
        return "session-\(issue)-\(session.date)-\(session.agent.rawValue)-\(FileNameSafe.clean(session.id))"
    }

    private func importOne(_ session: DiscoveredSession) -> SessionImportResult {
        var result = SessionImportResult(session: session, issue: issue(for: session), files: [], error: nil)
        guard let issue = result.issue else { return result }
        let base = baseName(session, issue: issue)
        let copy = TranscriptCopy(redact: request.redact, dryRun: request.dryRun)
        var pieces = [(session.path, base + ".jsonl")]
        for subagent in session.subagents {
            let name = base + "-agent-" + FileNameSafe.clean(subagent.id)
            pieces.append((subagent.path, name + ".jsonl"))
            if let meta = subagent.metaPath { pieces.append((meta, name + ".meta.json")) }
        }
        for (source, name) in pieces {
            do {
                let copied = try copy.copy(
                    from: source, to: Paths.join(sessionsFolder, name), wholeLines: !name.hasSuffix(".meta.json"))
                result.files.append(
                    ImportedFile(
                        name: name, outcome: copied.outcome.rawValue, lines: copied.lines, bytes: copied.bytes,
                        counts: copied.counts))
            } catch {
                result.error = error.message
                break
            }
        }
        return result
    }

    /// `logs/sessions/` made when missing; refused when it is a symlink or not a folder.
    private func prepareFolder() throws(ArchiveError) {
        if let status = try? FileStatus.of(sessionsFolder, followSymlinks: false) {
            guard status.kind == .directory else {
                throw .badInput("\(sessionsFolder) is not a folder (a symlink or a file?); sessions are not imported")
            }
            return
        }
        do {
            try FileSystem.createDirectories(sessionsFolder)
        } catch {
            throw .failure("could not create \(sessionsFolder): \(error)")
        }
    }
}
