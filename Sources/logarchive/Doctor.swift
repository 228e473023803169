import ArgumentParser
import LogArchive

extension LogArchiveCommand {
    struct Doctor: LogArchiveSubcommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Check in one run what an archive needs: store, credentials, clock, TLS, repository, GitHub token, git.",
            discussion: """
                Each check prints one line, ✓ (ok), ⚠ (a warning: the archive runs, but skips or \
                risks something) or ✗ (a problem), with the fix below it. The store gets a probe \
                object written, read back and deleted; nothing else is changed. Secrets are never \
                printed: credentials are named by where they came from.

                A missing GitHub token is a warning (comments would be skipped), and a problem \
                with --reason issue_closed or pr_merged, whose lifecycle check needs it.

                Exit status: 0 when nothing failed (warnings included), 1 when a check failed, \
                64 bad usage.

                Examples:
                  logarchive doctor                       default store: no token only warns
                  logarchive doctor --reason issue_closed --issue 123 --push
                  logarchive doctor --store s3://team-logs/archive --json
                """
        )

        @Option(help: "The archive's reason: issue_closed or pr_merged also need a token that reads the issue.")
        var reason: String = ArchiveReason.manual.rawValue

        @Option(help: "Read this issue (or pull request) with the token, rather than only the repository.")
        var issue: String?

        @Flag(help: "Also check what --push needs: a branch, where it pushes, a git identity.")
        var push = false

        @Flag(help: "As the archive's --no-comment: no comment, so the token need not be able to comment.")
        var noComment = false

        @Flag(help: "As the archive's --no-commit: no index commit, so no git identity is needed.")
        var noCommit = false

        @Flag(help: "Print one JSON object on stdout: each check's name, status, detail and fix.")
        var json = false

        @OptionGroup var locations: LocationOptions

        @OptionGroup var logging: LoggingOptions

        func validate() throws {
            guard ArchiveReason(rawValue: reason) != nil else {
                throw ValidationError("'--reason \(reason)' is not one of issue_closed, pr_merged, manual")
            }
            if let issue { _ = try parseIssue(issue) }
        }

        func run(in context: CommandContext) throws {
            let logger = logging.logger(in: context)
            var overrides = locations.overrides
            overrides.push = push
            overrides.noComment = noComment
            overrides.noCommit = noCommit
            let request = DoctorRequest(
                overrides: overrides, reason: ArchiveReason(rawValue: reason) ?? .manual,
                issue: issue.flatMap { try? IssueNumber(validating: $0) })
            let doctor = LogArchive.Doctor(
                context: DoctorContext(
                    environment: context.environment, currentDirectory: context.currentDirectory,
                    logger: logger))
            let report = doctor.run(request)
            if json {
                context.output(JSONWriter.compact(report.json) + "\n")
            } else {
                context.output(report.text(style: context.outputStyle))
            }
            if report.exitCode != 0 { throw ExitCode(report.exitCode) }
        }
    }
}
