import ArgumentParser
import Foundation
import LogArchive

extension LogArchiveCommand {
    struct Search: LogArchiveSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Search the contents of local and archived logs.",
            discussion: """
                Prints matching lines as grep does, `logs/builds/123-build.log:42:line`, with `-` for \
                context lines and `--` between groups. Archived logs are fetched, verified and decompressed \
                as they stream, several at once; the output order is always the same (issue, type, file). \
                A literal query is found with memmem; --regex takes a POSIX extended regular expression. \
                Matches are highlighted on a terminal unless NO_COLOR is set. Exit status: 0 when \
                something matched, 1 when nothing did or a log could not be read, 64 for bad usage.

                Examples:
                  logarchive search "connection refused"
                  logarchive search timeout --issue 123 --type build --context 2
                  logarchive search 'error [0-9]+' --regex --ignore-case --since 2025-01-01
                  logarchive search panic --archived-only --max-results 20 --json | jq .file
                """
        )

        @Argument(help: "The text to find (a POSIX extended regular expression with --regex).")
        var query: String

        @Option(help: "Only this issue's logs.")
        var issue: String?

        @Option(help: "Only logs of this type: session, build, deployment or debug.")
        var type: LogType?

        @Option(help: "Only logs dated on or after this day or instant (2025-01-15 or 2025-01-15T14:00:00Z).")
        var since: String?

        @Option(help: "Only logs dated on or before this day or instant.")
        var until: String?

        @Flag(help: "The query is a POSIX extended regular expression.")
        var regex = false

        @Flag(name: [.customShort("i"), .long], help: "Ignore case (ASCII letters for a literal query).")
        var ignoreCase = false

        @Option(name: [.customShort("C"), .long], help: "Lines of context before and after each match (0 to 100).")
        var context: Int?

        @Option(help: "Stop after this many matching lines (1 to 1000000000).")
        var maxResults: Int?

        @Flag(help: "Only logs still in the logs dir, not archived.")
        var localOnly = false

        @Flag(help: "Only archived logs, from the store.")
        var archivedOnly = false

        @Flag(help: "One JSON object per match (JSON Lines).")
        var json = false

        @OptionGroup var locations: LocationOptions

        func validate() throws {
            if let issue { _ = try parseIssue(issue) }
            if localOnly && archivedOnly {
                throw ValidationError("'--local-only' and '--archived-only' are mutually exclusive")
            }
            if let context { try SettingRanges.searchContext.validate(context, flag: "--context") }
            if let maxResults {
                try SettingRanges.maxResults.validate(maxResults, flag: "--max-results")
            }
            for (flag, value) in [("--since", since), ("--until", until)] {
                if let value, UTCTimestamp(dateOrInstant: value) == nil {
                    throw ValidationError("'\(flag) \(value)' is not a date: use 2025-01-15 or 2025-01-15T14:00:00Z")
                }
            }
            if let since, let until, let from = UTCTimestamp(dateOrInstant: since),
                let to = UTCTimestamp(dateOrInstant: until, endOfDay: true), from > to
            {
                throw ValidationError("'--since \(since)' is later than '--until \(until)': nothing could match")
            }
        }

        @OptionGroup var logging: LoggingOptions

        func run(in context: CommandContext) throws {
            let logger = logging.logger(in: context)
            let color = !json && context.outputStyle.colours
            let outcome: SearchOutcome
            let unfinished: ArchiveError?
            do {
                let settings = try context.settings(locations.overrides)
                var filter = LogCatalog.Filter()
                filter.issue = try issue.map { text throws(ArchiveError) in try IssueNumber(validating: text) }
                unfinished = finishUnfinishedArchives(of: filter.issue, settings: settings, in: context, logger: logger)
                let browser = try ArchiveBrowser.open(settings: settings, environment: context.environment, logger: logger, issue: filter.issue)
                filter.type = type
                filter.since = since.flatMap { UTCTimestamp(dateOrInstant: $0) }
                filter.until = until.flatMap { UTCTimestamp(dateOrInstant: $0, endOfDay: true) }
                filter.archived = !localOnly
                filter.local = !archivedOnly
                let sources = try browser.catalog.sources(filter)
                guard !sources.isEmpty else { throw ArchiveError.failure("no logs to search with these filters") }
                var searchQuery = SearchQuery(pattern: query)
                searchQuery.isRegex = regex
                searchQuery.ignoreCase = ignoreCase
                // `self.context` is `--context`, the lines around a match.
                searchQuery.context = self.context ?? 0
                searchQuery.separatesGroups = self.context != nil
                searchQuery.maxResults = maxResults
                searchQuery.highlight = color
                // Matches and the progress line share the terminal: each write clears the line first.
                let progress = ProgressDisplay.start(json: json || logging.isVerbose(in: context), in: context)
                defer { progress?.stop() }
                progress?.meter.begin("search", total: sources.reduce(0) { $0 + $1.readSize })
                var reader = browser.reader
                reader.progress = progress?.meter
                outcome = try LogSearch(query: searchQuery, reader: reader).run(
                    sources, format: json ? .jsonLines : .text(color: color)
                ) { bytes in
                    if let progress { try progress.printing { try context.standardOutput.writeBytes(bytes) } } else { try context.standardOutput.writeBytes(bytes) }
                }
            } catch let error as ArchiveError {
                throw fail(error, json: json, in: context)
            } catch {
                throw fail(.failure("cannot write to standard output: \(error)"), json: json, in: context)
            }
            for failure in outcome.failures { context.error("logarchive: error: \(failure.message)") }
            if !outcome.failures.isEmpty { throw ExitCode(1) }
            if let unfinished { throw ExitCode(unfinished.exitCode) }
            if outcome.matches == 0 {
                context.error("logarchive: no match for '\(query)' in \(Wording.count(outcome.logsSearched, "log"))")
                throw ExitCode(1)
            }
        }
    }
}
