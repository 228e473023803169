import ArgumentParser
import LogArchive

extension LogArchiveCommand {
    struct Cleanup: LogArchiveSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove orphaned work files from the logs dir, and local logs the store holds verified.",
            discussion: """
                --orphans (the default) applies the original workflow's rules: a .gz older than 7 days \
                that no index entry claims (not a rotate/db-archive archive, not the compressed copy \
                of a log still beside it), a *.tmp older than 24 hours, a *.lock older than 1 hour \
                that nobody holds and whose process is gone.

                --older-than DAYS removes local logs older than DAYS days that the index lists as \
                uploaded in a complete archive, whose stored object a HEAD shows with the index's \
                size and SHA-256, and that are unchanged since they were archived. A log that is not \
                in the store is never removed.

                First, an archive a run left when it stopped before its last index write (its \
                journal ahead of the index) is finished: the uploads recorded, and the local copies \
                the store holds verified removed by the --older-than checks without the age.

                Each removal is printed with its reason; the removals are recorded in the index's \
                cleanup_events. Exit status: 0 done, 1 failure (corrupt index, a file that could not \
                be removed, the store unreachable with --older-than), 64 bad usage.

                Examples:
                  logarchive cleanup --dry-run             what the orphan rules would remove, and why
                  logarchive cleanup                       remove orphaned .gz, .tmp and .lock files
                  logarchive cleanup --older-than 30       remove archived, verified logs older than 30 days
                  logarchive cleanup --orphans --older-than 30 --store s3://team-logs/archive
                  logarchive cleanup --dry-run --json      one JSON object, for scripts
                """
        )

        @Flag(help: "Remove orphaned .gz, .tmp and .lock files (the default when --older-than is not given).")
        var orphans = false

        @Option(name: .customLong("older-than"), help: ArgumentHelp("Remove archived, verified local logs older than this many days (0 to 36500).", valueName: "DAYS"))
        var olderThanDays: Int?

        @Flag(help: "List what would be removed and why; change nothing.")
        var dryRun = false

        @Flag(help: "Print one JSON object on stdout instead of the list.")
        var json = false

        @OptionGroup var locations: LocationOptions

        func validate() throws {
            if let olderThanDays { try SettingRanges.olderThanDays.validate(olderThanDays, flag: "--older-than") }
        }

        @OptionGroup var logging: LoggingOptions

        func run(in context: CommandContext) throws {
            let logger = logging.logger(in: context)
            let report: CleanupReport
            do {
                let settings = try context.settings(locations.overrides)
                let request = LogsCleanup.Request(
                    orphans: orphans || olderThanDays == nil, olderThanDays: olderThanDays, dryRun: dryRun)
                report = try LogsCleanup(settings: settings, environment: context.environment, logger: logger).run(request)
            } catch {
                throw fail(error, json: json, in: context)
            }
            for finished in report.finishedArchives { context.error("logarchive: \(finished.notice)") }
            for failure in report.unfinishedFailures { context.error("logarchive: error: \(failure.message)") }
            let summary = CleanupSummary(
                currentDirectory: context.currentDirectory,
                style: json ? .plain : context.outputStyle)
            context.output(json ? JSONWriter.compact(summary.json(report)) + "\n" : summary.text(report))
            for invalid in report.invalidEntries { context.error("logarchive: error: \(invalid.message)") }
            if let invalid = report.invalidEntries.first { throw ExitCode(invalid.exitCode) }
            if !report.failures.isEmpty || report.plan.storeFailure != nil || !report.unfinishedFailures.isEmpty { throw ExitCode(ArchiveError.Kind.failure.exitCode) }
        }
    }
}
