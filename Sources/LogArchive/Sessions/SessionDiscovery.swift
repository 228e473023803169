/// Finds the agent transcripts on this machine whose recorded working folder is inside a
/// repository: Claude Code's `<config>/projects/<project>/<session>.jsonl` (config:
/// `CLAUDE_CONFIG_DIR`, else `~/.claude`), with `<session>/subagents/agent-<id>.jsonl` and its
/// `.meta.json`; Codex's `<home>/sessions/YYYY/MM/DD/rollout-*.jsonl` (home: `CODEX_HOME`, else
/// `~/.codex`).
public struct SessionDiscovery: Sendable {
    public var environment: [String: String]
    /// The repository's top folder: a session counts when its `cwd` is this folder or inside it.
    public var repositoryRoot: String

    public init(environment: [String: String], repositoryRoot: String) {
        self.environment = environment
        self.repositoryRoot = repositoryRoot
    }

    public var claudeDirectory: String? {
        if let configured = environment["CLAUDE_CONFIG_DIR"], !configured.isEmpty { return configured }
        return environment["HOME"].map { Paths.join($0, ".claude") }
    }

    public var codexDirectory: String? {
        if let configured = environment["CODEX_HOME"], !configured.isEmpty { return configured }
        return environment["HOME"].map { Paths.join($0, ".codex") }
    }

    /// The repository's sessions of the given agents, modified at or after `since`, in order of
    /// their first timestamp.
    public func sessions(agents: [SessionAgent], since: Int64? = nil) throws(ArchiveError) -> [DiscoveredSession] {
        var found: [DiscoveredSession] = []
        for agent in agents {
            for path in try transcriptPaths(agent) {
                guard let status = try? FileStatus.of(path, followSymlinks: false), status.kind == .regular else {
                    continue
                }
                if let since, status.modificationSeconds < since { continue }
                guard let session = session(agent, at: path, modified: status.modificationSeconds),
                    isInside(session.cwd)
                else { continue }
                found.append(session)
            }
        }
        return found.sorted { ($0.startedAt ?? "", $0.path) < ($1.startedAt ?? "", $1.path) }
    }

    /// The one session of a transcript (the hook's), whatever its folder; nil when it cannot be read.
    public func session(_ agent: SessionAgent, at path: String, modified: Int64? = nil) -> DiscoveredSession? {
        guard let bytes = try? FileSystem.readPrefix(path, count: TranscriptHead.readLimit) else { return nil }
        let head = agent == .claude ? TranscriptHead.claude(bytes) : TranscriptHead.codex(bytes)
        let name = Paths.lastComponent(of: path)
        let stem = name.hasSuffix(".jsonl") ? String(name.dropLast(6)) : name
        let id = head.sessionID ?? stem
        let time = modified ?? ((try? FileStatus.of(path).modificationSeconds) ?? 0)
        var session = DiscoveredSession(
            agent: agent, id: id, path: path, cwd: head.cwd, branch: head.branch, startedAt: head.timestamp,
            subagents: [], modified: time)
        if agent == .claude { session.subagents = subagents(ofTranscript: path) }
        return session
    }

    /// `<session>/subagents/agent-<id>.jsonl` beside the transcript `<session>.jsonl`.
    func subagents(ofTranscript path: String) -> [DiscoveredSession.Subagent] {
        let folder = Paths.join(String(path.dropLast(".jsonl".count)), "subagents")
        guard path.hasSuffix(".jsonl"), let names = try? FileSystem.contents(of: folder) else { return [] }
        let present = Set(names)
        return names.sorted().compactMap { name in
            guard name.hasPrefix("agent-"), name.hasSuffix(".jsonl") else { return nil }
            let stem = String(name.dropLast(6))
            let meta = stem + ".meta.json"
            return DiscoveredSession.Subagent(
                id: String(stem.dropFirst(6)), path: Paths.join(folder, name),
                metaPath: present.contains(meta) ? Paths.join(folder, meta) : nil)
        }
    }

    private func transcriptPaths(_ agent: SessionAgent) throws(ArchiveError) -> [String] {
        switch agent {
        case .claude:
            guard let root = claudeDirectory else { return [] }
            let projects = Paths.join(root, "projects")
            return files(in: projects, depth: 1) { $0.hasSuffix(".jsonl") }
        case .codex:
            guard let root = codexDirectory else { return [] }
            return files(in: Paths.join(root, "sessions"), depth: 3) {
                $0.hasPrefix("rollout-") && $0.hasSuffix(".jsonl")
            }
        }
    }

    /// The files `depth` folders below `folder` whose names pass `accepts`, sorted.
    private func files(in folder: String, depth: Int, _ accepts: (String) -> Bool) -> [String] {
        guard let names = try? FileSystem.contents(of: folder) else { return [] }
        var paths: [String] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let path = Paths.join(folder, name)
            if depth == 0 {
                if accepts(name) { paths.append(path) }
            } else if FileSystem.isDirectory(path) {
                paths += files(in: path, depth: depth - 1, accepts)
            }
        }
        return paths
    }

    /// Whether a recorded working folder is the repository's top folder or inside it.
    public func isInside(_ cwd: String?) -> Bool {
        guard let cwd, !cwd.isEmpty else { return false }
        var roots = [
            repositoryRoot.count > 1 && repositoryRoot.hasSuffix("/")
                ? String(repositoryRoot.dropLast()) : repositoryRoot
        ]
        if let resolved = FileSystem.resolvedPath(repositoryRoot) { roots.append(resolved) }
        let candidates = [cwd] + (FileSystem.resolvedPath(cwd).map { [$0] } ?? [])
        for root in roots {
            for candidate in candidates where candidate == root || candidate.hasPrefix(root == "/" ? "/" : root + "/") {
                return true
            }
        }
        return false
    }

    /// The git top level of `directory`: the nearest folder up holding `.git` (a folder, or the
    /// file of a worktree); nil outside a work tree.
    public static func repositoryRoot(of directory: String) -> String? {
        var folder = FileSystem.resolvedPath(directory) ?? directory
        while true {
            if FileSystem.exists(Paths.join(folder, ".git")) { return folder }
            let parent = Paths.parent(of: folder)
            if parent == folder || parent.isEmpty { return nil }
            folder = parent
        }
    }
}
