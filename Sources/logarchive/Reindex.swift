import ArgumentParser
import LogArchive

extension LogArchiveCommand {
    struct Reindex: LogArchiveSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild the whole index from the store's per-issue manifests.",
            discussion: """
                Lists archive/logs/ in the store once, reads every issue's manifest.json (8 at a \
                time), and writes each issue's entry into the index: issues the index lacks are \
                added, entries that differ from the store are updated. Where an issue was archived \
                in several months the newest manifest wins, and logs only an older one lists are \
                kept when the store holds them. Each log is checked against the listing (its size); \
                a log whose status would change is checked by its SHA-256 too. A log the store lacks \
                or holds other bytes for is marked failed, never dropped.

                An index entry with no manifest in the store is kept as it is and listed with the \
                reason. Each entry is written under the issue's run lock, so a concurrent \
                `logarchive <issue>` is never written under.

                Exit status: 0 done, 1 a manifest or index file that could not be read or written \
                (named; everything else was rebuilt) or the store unreachable, 64 bad usage or \
                missing credentials.

                Examples:
                  logarchive reindex --all --dry-run      what would be added and changed, and why
                  logarchive reindex --all                rebuild a lost or stale index
                  logarchive reindex --all --store s3://team-logs/archive --json
                  logarchive reindex --all --verify-checksums   check every stored log's SHA-256
                """
        )

        @Flag(help: "Rebuild every issue's entry (one issue: logarchive <issue> --reindex-only).")
        var all = false

        @Flag(help: "Print what would be added and changed; write nothing.")
        var dryRun = false

        @Flag(help: "Check every stored log's SHA-256 (one HEAD each), not only its size.")
        var verifyChecksums = false

        @Flag(help: "Print one JSON object on stdout instead of the summary.")
        var json = false

        @OptionGroup var locations: LocationOptions

        func validate() throws {
            guard all else {
                throw ValidationError(
                    "'reindex' rebuilds the whole index: give '--all' (one issue: logarchive <issue> --reindex-only)")
            }
        }

        @OptionGroup var logging: LoggingOptions

        func run(in context: CommandContext) throws {
            let logger = logging.logger(in: context)
            let summary = IndexRebuildSummary(
                currentDirectory: context.currentDirectory,
                style: json ? .plain : context.outputStyle)
            let report: IndexRebuildReport
            do {
                let settings = try context.settings(locations.overrides)
                report = try IndexRebuild(settings: settings, environment: context.environment, logger: logger)
                    .run(IndexRebuild.Request(dryRun: dryRun, verifyChecksums: verifyChecksums))
            } catch {
                throw fail(error, json: json, in: context)
            }
            context.output(json ? JSONWriter.compact(summary.json(report)) + "\n" : summary.text(report))
            if report.exitCode != 0 { throw ExitCode(report.exitCode) }
        }
    }
}
