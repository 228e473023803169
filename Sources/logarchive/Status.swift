import ArgumentParser
import LogArchive

extension LogArchiveCommand {
    struct Status: LogArchiveSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what the archive index holds: partial archives first, then complete ones, then totals.",
            discussion: """
                Reads logs/.archive-index.json and changes no log. (It first records in the index \
                the uploads of a run that stopped before its last index write, from that run's \
                journal.) A partial archive is listed with \
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

        @OptionGroup var logging: LoggingOptions

        func run(in context: CommandContext) throws {
            let logger = logging.logger(in: context)
            let index: IndexStore
            let settings: Settings
            do {
                settings = try context.settings(locations.overrides)
                index = IndexStore(logsDirectory: settings.logsDirectory)
            } catch {
                throw fail(error, json: json, in: context)
            }
            let summary = ArchiveStatusSummary(
                archiveSummary: ArchiveSummary(currentDirectory: context.currentDirectory, retryArguments: locations.arguments),
                style: json ? .plain : context.outputStyle)
            guard let issue else {
                let unfinished = finishUnfinishedArchives(of: nil, settings: settings, in: context, logger: logger)
                let status = ArchiveStatus.read(index)
                // A corrupt file fails the command, after the archives that can be read are shown.
                if let first = status.unreadable.first {
                    if json, case .object(var object) = summary.json(status) {
                        // What could be read, and why the command fails.
                        for member in first.jsonMembers { object[member.key] = member.value }
                        context.output(JSONWriter.compact(.object(object)) + "\n")
                    } else {
                        context.output(summary.text(status))
                    }
                    for other in status.unreadable.dropFirst() { context.error("logarchive: \(other.message)") }
                    throw fail(first, in: context)
                }
                context.output(json ? JSONWriter.compact(summary.json(status)) + "\n" : summary.text(status))
                if let unfinished { throw ExitCode(unfinished.exitCode) }
                return
            }
            let entry: ArchiveEntry
            let unfinished: ArchiveError?
            do {
                let issueNumber = try IssueNumber(validating: issue)
                // The index only: a command that shows the archive removes no log.
                unfinished = finishUnfinishedArchives(of: issueNumber, settings: settings, in: context, logger: logger)
                entry = try ArchiveStatus.entry(for: issueNumber, in: index)
            } catch {
                throw fail(error, json: json, in: context)
            }
            let drift = LocalDrift.of(entry, logsDirectory: settings.logsDirectory)
            context.output(
                json ? JSONWriter.compact(summary.json(entry, indexPath: index.path, drift: drift)) + "\n" : summary.text(entry, drift: drift))
            if let unfinished { throw ExitCode(unfinished.exitCode) }
        }
    }
}
