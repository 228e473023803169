extension Doctor {
    /// Days a transcript should outlive: long enough for a typical issue to close and be archived.
    static let transcriptDaysNeeded = 90

    /// Claude Code deletes transcripts older than `cleanupPeriodDays` (default 30) at start-up;
    /// shorter than an issue lives, the archive finds no session to take. Only when Claude Code
    /// is used here (its folder exists).
    func claudeCleanupCheck() -> DoctorCheck? {
        let discovery = SessionDiscovery(environment: context.environment, repositoryRoot: context.currentDirectory)
        guard let folder = discovery.claudeDirectory, FileSystem.isDirectory(folder) else { return nil }
        let path = Paths.join(folder, "settings.json")
        var days: Int64 = 30
        var source = "the default"
        if let bytes = try? FileSystem.readAll(path, limit: 16 << 20),
            case .object(let object)? = try? JSONParser.parse(bytes)
        {
            switch object["cleanupPeriodDays"] {
            case .integer(let value)?:
                days = value
                source = path
            case .double(let value)?:
                days = Int64(value)
                source = path
            default:
                break
            }
        }
        let hooked =
            FileSystem.exists(Paths.join(context.currentDirectory, ".claude/settings.json"))
            && ((try? FileSystem.readAll(Paths.join(context.currentDirectory, ".claude/settings.json")))
                .map { String(decoding: $0, as: UTF8.self).contains(ClaudeHookSettings.command) } ?? false)
        guard days < Self.transcriptDaysNeeded else {
            return .ok("claude_transcripts", "Claude Code keeps transcripts \(days) days (\(source))")
        }
        let hookNote =
            hooked ? "; the hook copies each session when it ends, so only sessions it missed are at risk" : ""
        return .warning(
            "claude_transcripts",
            "Claude Code deletes transcripts after \(days) days (cleanupPeriodDays, \(source)): an issue open longer "
                + "loses its sessions before they are archived\(hookNote)",
            fix: "set \"cleanupPeriodDays\": 365 in \(path), and run logarchive init --claude-hooks to copy each "
                + "session into logs/sessions/ when it ends")
    }
}
