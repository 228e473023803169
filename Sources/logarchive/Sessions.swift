import ArgumentParser
import LogArchive

extension LogArchiveCommand {
    struct Sessions: LogArchiveSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Agent session transcripts (Claude Code, Codex) into logs/sessions/.",
            subcommands: [Import.self]
        )

        @OptionGroup var logging: LoggingOptions

        /// A group, not a command: its help.
        func run(in context: CommandContext) throws {
            context.output(Self.helpMessage(columns: context.helpWidth) + "\n")
        }
    }
}

extension LogArchiveCommand.Sessions {
    struct Import: LogArchiveSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy this repository's agent transcripts into logs/sessions/, each named for its issue.",
            discussion: """
                Finds the Claude Code transcripts (~/.claude/projects, or CLAUDE_CONFIG_DIR), with their \
                subagents, and the Codex rollouts (~/.codex/sessions, or CODEX_HOME) whose working folder \
                is inside this repository, and attaches each to an issue: --issue N, else the number its \
                git branch names as a whole token (123-login, feat/123, issue-123, gh-123). A session \
                with neither is listed and left alone. Each is copied, up to its last whole line and with \
                known secrets redacted, to logs/sessions/session-<N>-<date>-<agent>-<id>.jsonl, where \
                `logarchive N` collects it. Importing again replaces a copy that grew, never duplicates.

                Examples:
                  logarchive sessions import                      every session of this repository
                  logarchive sessions import --issue 123 --since 2026-12-01
                  logarchive sessions import --agent codex --dry-run --json
                """
        )

        @Option(help: "Attach every session found to this issue (default: the issue its branch names).")
        var issue: String?

        @Option(help: "claude, codex or all.")
        var agent: String = "all"

        @Option(help: "Only sessions active since this date (YYYY-MM-DD or an ISO 8601 time, UTC).")
        var since: String?

        @Flag(help: "Copy the exact bytes: no secret is redacted.")
        var noRedact = false

        @Flag(help: "Print what would be imported; write nothing.")
        var dryRun = false

        @Flag(help: "Print one JSON object on stdout instead of the summary.")
        var json = false

        @OptionGroup var location: LogsLocationOptions

        @OptionGroup var logging: LoggingOptions

        func validate() throws {
            if let issue { _ = try parseIssue(issue) }
            guard ["claude", "codex", "all"].contains(agent) else {
                throw ValidationError("'--agent \(agent)' is not one of claude, codex, all")
            }
            if let since, SessionsSince.seconds(since) == nil {
                throw ValidationError("'--since \(since)' is not a date such as 2026-12-01 or 2026-12-01T09:00:00Z")
            }
        }

        func run(in context: CommandContext) throws {
            do {
                let logsDirectory = try location.resolve(in: context)
                let root = SessionDiscovery.repositoryRoot(of: context.currentDirectory) ?? context.currentDirectory
                let discovery = SessionDiscovery(environment: context.environment, repositoryRoot: root)
                let agents = agent == "all" ? SessionAgent.allCases : [SessionAgent(rawValue: agent) ?? .claude]
                let sessions = try discovery.sessions(agents: agents, since: since.flatMap(SessionsSince.seconds))
                let request = SessionImportRequest(
                    issue: try issue.map { text throws(ArchiveError) in try IssueNumber(validating: text) },
                    logsDirectory: logsDirectory, redact: !noRedact, dryRun: dryRun)
                let results = try SessionImporter(request).run(sessions)
                let report = SessionImportReport(results: results, redact: !noRedact, dryRun: dryRun)
                context.output(json ? JSONWriter.compact(report.json) + "\n" : report.text)
                if !report.failed.isEmpty { throw ExitCode(1) }
            } catch let error as ArchiveError {
                throw fail(error, json: json, in: context)
            }
        }
    }
}

/// `--since`: a date is its midnight UTC.
enum SessionsSince {
    static func seconds(_ text: String) -> Int64? {
        if let time = UTCTimestamp(iso8601: text) { return time.seconds }
        return UTCTimestamp(iso8601: text + "T00:00:00Z")?.seconds
    }
}

extension LogArchiveCommand {
    struct Hook: LogArchiveSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Commands agents run as hooks.",
            subcommands: [Claude.self]
        )

        @OptionGroup var logging: LoggingOptions

        /// A group, not a command: its help.
        func run(in context: CommandContext) throws {
            context.output(Self.helpMessage(columns: context.helpWidth) + "\n")
        }
    }
}

extension LogArchiveCommand.Hook {
    struct Claude: LogArchiveSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Claude Code's SessionEnd/PreCompact hook: import the session its JSON on stdin names.",
            discussion: """
                Reads the hook's JSON (session_id, transcript_path, cwd, hook_event_name) on stdin and \
                imports that session, with its subagents, into the logs/sessions/ of the repository its \
                cwd is in, as `sessions import` does. Always exits 0, so it never fails the agent's \
                session; when it cannot import it says why in one line on stderr. \
                `logarchive init --claude-hooks` installs it.
                """
        )

        @Flag(help: "Copy the exact bytes: no secret is redacted.")
        var noRedact = false

        @OptionGroup var logging: LoggingOptions

        func run(in context: CommandContext) throws {
            // A hook's JSON is small; more than 1 MiB is not one (readInput reads to the end or the count).
            let input = [UInt8](context.readInput(1 << 20))
            let outcome = ClaudeHook(environment: context.environment).run(input: input, redact: !noRedact) {
                root throws(ArchiveError) in
                try SettingsResolver(environment: context.environment, currentDirectory: root)
                    .resolve(SettingsOverrides()).logsDirectory
            }
            // Quiet when it imported: the agent's session is not the place for a report.
            if let problem = outcome.problem { context.error("logarchive hook claude: \(problem)") }
        }
    }
}
