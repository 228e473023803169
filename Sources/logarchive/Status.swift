import ArgumentParser
import LogArchive

extension LogArchiveCommand {
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what the archive index holds: partial archives first, then complete ones, then totals.",
            discussion: """
                Reads logs/.archive-index.json and changes nothing. A partial archive is listed with \
                the files that did not reach the store, their last error, and the exact command that \
                finishes it. With an issue number, shows that issue's entry log by log.

                Exit status: 0 (also for an empty or missing index), 1 for a corrupt index or an \
                issue that is not in the index, 64 bad usage.

                Examples:
                  logarchive status                       every archive, partial ones first, and totals
                  logarchive status 123                   issue 123 log by log: status, sizes, remote path
                  logarchive status --json                one JSON object: partial, complete, totals
                  logarchive status 123 --json | jq .entry.logs
                  logarchive status --logs-dir ci/logs --store s3://team-logs/archive
                """
        )

        @Argument(help: "Show only this issue's entry, in detail.")
        var issue: String?

        @Flag(help: "Print one JSON object on stdout instead of the tables.")
        var json = false

        @OptionGroup var locations: LocationOptions

        func validate() throws {
            if let issue { _ = try parseIssue(issue) }
        }

        func run() throws {
            let environment = ProcessEnvironment.current
            let status: ArchiveStatus
            do {
                let settings = try environment.settings(locations.overrides)
                status = try ArchiveStatus.read(IndexStore(logsDirectory: settings.logsDirectory))
            } catch {
                throw fail(error)
            }
            let summary = ArchiveStatusSummary(
                archiveSummary: ArchiveSummary(currentDirectory: environment.currentDirectory, retryArguments: locations.arguments),
                style: json ? .plain : .forStandardOutput(environment: environment.variables))
            guard let issue else {
                Terminal.output(json ? JSONWriter.compact(summary.json(status)) + "\n" : summary.text(status))
                return
            }
            let entry: ArchiveEntry
            do {
                entry = try status.entry(for: try IssueNumber(validating: issue))
            } catch {
                throw fail(error)
            }
            Terminal.output(json ? JSONWriter.compact(summary.json(entry, indexPath: status.indexPath)) + "\n" : summary.text(entry))
        }
    }
}
