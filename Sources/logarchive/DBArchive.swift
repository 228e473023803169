import ArgumentParser
import LogArchive

extension LogArchiveCommand {
    struct DBArchive: LogArchiveSubcommand {
        static let configuration = CommandConfiguration(
            commandName: "db-archive",
            abstract: "Archive and purge an SQLite log table (agent_logs) once it grows over a size.",
            discussion: """
                When the table and its indexes take more than the threshold, its rows (all rows present \
                at the start, or those whose created_at is before --older-than) are streamed into \
                <table>_<UTC time>.json.gz as one JSON array, one row per line, with prompt_text, the \
                --redact-column columns and secret-looking values replaced by [REDACTED]. The archive is \
                decompressed and checked, then exactly the archived rows are deleted in one transaction. \
                Safe while other processes write to the database (WAL mode).

                Examples:
                  logarchive db-archive agent.db                          archive when agent_logs is over 100 MiB
                  logarchive db-archive agent.db --threshold 0            archive whatever rows there are
                  logarchive db-archive agent.db --older-than 2025-01-01T00:00:00Z --archive-dir /srv/archive
                  logarchive db-archive agent.db --redact-column tool_input --json
                """
        )

        @Argument(help: "The SQLite database file.", completion: .file())
        var database: String

        @Option(help: "The table to archive.")
        var table: String = TableArchiveRequest.defaultTable

        @Option(
            help:
                "Archive only when the table and its indexes are larger than this (default 100MiB; 0: whenever it has rows)."
        )
        var threshold: String?

        @Option(
            help: "Archive only rows whose created_at is before this ISO 8601 timestamp (e.g. 2025-01-15T00:00:00Z).")
        var olderThan: String?

        @Option(help: "Where to write the archive (default: the database's folder).", completion: .directory)
        var archiveDir: String?

        @Option(help: "Also write this column as [REDACTED] (prompt_text always is); repeatable.")
        var redactColumn: [String] = []

        @Flag(help: "Print one JSON object on stdout instead of the summary.")
        var json = false

        func validate() throws {
            if let threshold { try SettingRanges.threshold.validate(text: threshold, flag: "--threshold") }
        }

        @OptionGroup var logging: LoggingOptions

        func run(in context: CommandContext) throws {
            let logger = logging.logger(in: context)
            let currentDirectory = context.currentDirectory
            let request = TableArchiveRequest(
                databasePath: Paths.absolute(database, relativeTo: currentDirectory), table: table,
                threshold: threshold.flatMap(ByteCount.parse) ?? TableArchiveRequest.defaultThreshold,
                olderThan: olderThan,
                archiveDirectory: archiveDir.map { Paths.absolute($0, relativeTo: currentDirectory) },
                redactedColumns: redactColumn)
            let report: TableArchiveReport
            do {
                report = try TableArchiver(logger: logger).archive(request)
            } catch {
                throw fail(error, json: json, in: context)
            }
            context.output(json ? JSONWriter.compact(report.json) + "\n" : report.text)
        }
    }
}
