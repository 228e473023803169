import ArgumentParser
import LogArchive

extension LogArchiveCommand {
    struct Archive: LogArchiveSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Archive an issue's logs (the default command: `logarchive 123`).",
            discussion: """
                Runs validate, collect, compress, checksum, upload, index, comment, clean and commit. \
                A local log is deleted only after the store holds a copy whose SHA-256 was checked.

                Examples:
                  logarchive 123                          archive issue 123 into the default local store
                  logarchive 123 --dry-run                show what would be archived, change nothing
                  logarchive 123 --json                   one JSON object on stdout
                  logarchive 123 --store /srv/log-archive --no-commit
                  logarchive 123 --force                  archive an already archived issue again
                  logarchive 123 --store s3://team-logs/archive   archive to S3-compatible storage
                  logarchive 123 --retry                  finish a partial archive (exit 3 means partial)
                  logarchive 123 --reindex-only           rebuild the index entry from the store
                  logarchive 123 --reason issue_closed --push   the CI job: refuse unless closed, push the index
                  logarchive 123 --trace run.json         also write why each decision was taken
                  logarchive 123 --jobs 16                upload 16 logs at once (default 8)
                  logarchive 123 --store s3://team-logs --storage-class STANDARD_IA --sse aws:kms --tags team=infra
                """
        )

        @Argument(help: "The issue (or pull request) number, a positive integer.")
        var issue: String

        @Option(help: "Why the issue is archived: issue_closed, pr_merged or manual (checks nothing).")
        var reason: String = ArchiveReason.manual.rawValue

        @Flag(help: "Archive again an issue that is already archived.")
        var force = false

        @Flag(help: "Finish a partial archive: upload the failed and pending files, then index, comment, clean and commit.")
        var retry = false

        @Flag(help: "Rebuild the issue's index entry from the manifest and objects in the store.")
        var reindexOnly = false

        @Flag(help: "Print the plan and change nothing.")
        var dryRun = false

        @Flag(help: "Print one JSON object on stdout instead of the summary.")
        var json = false

        @Flag(name: [.short, .long], help: "Print nothing on success: the exit status says it (errors and partial archives are still reported).")
        var quiet = false

        @Flag(help: "Do not comment on the GitHub issue.")
        var noComment = false

        @Flag(help: "Do not commit the index to git.")
        var noCommit = false

        @Flag(help: "Push the index commit; when another job pushed first, rebase onto it (keeping both entries) and push again.")
        var push = false

        @Option(help: "Compress logs larger than this (default 1MiB; e.g. 512k, 10MB).")
        var compressionThreshold: String?

        @Option(help: "gzip level, 1 (fastest) to 9 (smallest); default 6.")
        var compressionLevel: Int?

        @Option(help: "Upload this many logs (or parts of large ones) at once, 1 to 64 (default 8; config upload_concurrency).")
        var jobs: Int?

        @Option(help: "Write the run's decision trace (JSON) to this file.", completion: .file(extensions: ["json"]))
        var trace: String?

        @OptionGroup var locations: LocationOptions

        @OptionGroup(title: "S3 object options") var objectOptions: S3ObjectOptionGroup

        func validate() throws {
            do {
                _ = try IssueNumber(validating: issue)
            } catch {
                throw ValidationError(error.message)
            }
            if retry && reindexOnly {
                throw ValidationError("'--retry' and '--reindex-only' are mutually exclusive")
            }
            if force && (retry || reindexOnly) {
                throw ValidationError("'--force' archives everything again; it does not go with '--retry' or '--reindex-only'")
            }
            if push && noCommit {
                throw ValidationError("'--push' pushes the index commit; it does not go with '--no-commit'")
            }
            if dryRun && reindexOnly {
                throw ValidationError("'--dry-run' and '--reindex-only' are mutually exclusive")
            }
            if let jobs { try SettingRanges.uploadConcurrency.validate(jobs, flag: "--jobs") }
            if let compressionLevel {
                try SettingRanges.compressionLevel.validate(compressionLevel, flag: "--compression-level")
            }
            if let compressionThreshold {
                try SettingRanges.threshold.validate(text: compressionThreshold, flag: "--compression-threshold")
            }
            guard ArchiveReason(rawValue: reason) != nil else {
                throw ValidationError("'--reason \(reason)' is not one of issue_closed, pr_merged, manual")
            }
        }

        @OptionGroup var logging: LoggingOptions

        func run(in context: CommandContext) throws {
            let logger = logging.logger(in: context)
            let report: ArchiveReport
            do {
                let issueNumber = try IssueNumber(validating: issue)
                var overrides = locations.overrides
                overrides.noComment = noComment
                overrides.noCommit = noCommit
                overrides.push = push
                overrides.compressionThreshold = compressionThreshold
                overrides.compressionLevel = compressionLevel
                overrides.uploadConcurrency = jobs
                objectOptions.apply(to: &overrides)
                let settings = try context.settings(overrides)
                var pipeline = try ArchivePipeline.make(settings: settings, environment: context.environment, logger: logger)
                pipeline.notice = { context.error("logarchive: \($0)") }
                let mode: ArchiveRequest.Mode = retry ? .retry : reindexOnly ? .reindexOnly : .archive
                var request = ArchiveRequest(
                    issue: issueNumber, reason: ArchiveReason(rawValue: reason) ?? .manual, force: force, dryRun: dryRun,
                    mode: mode)
                request.traceFile = trace.map { Paths.absolute($0, relativeTo: context.currentDirectory) }
                let progress = ProgressDisplay.start(json: json || quiet || logging.isVerbose(in: context), in: context)
                pipeline.progress = progress?.meter
                report = pipeline.run(request)
                progress?.stop()
            } catch {
                throw fail(error, json: json, in: context)
            }
            let summary = ArchiveSummary(
                currentDirectory: context.currentDirectory, retryArguments: locations.arguments + objectOptions.arguments)
            if json {
                context.output(JSONWriter.compact(summary.json(report)) + "\n")
            } else if !quiet || report.exitCode != 0 {
                context.output(summary.text(report))
            }
            if let error = report.error {
                throw fail(error, in: context)
            }
            if report.exitCode != 0 {
                throw ExitCode(report.exitCode)
            }
        }
    }
}
