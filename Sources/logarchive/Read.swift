import ArgumentParser
import LogArchive

extension LogArchiveCommand {
    struct Read: LogArchiveSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Print an issue's logs, decompressed and verified, to stdout.",
            discussion: """
                Archived logs are streamed from the store, decompressed on the fly and checked against \
                the SHA-256 the index records; a damaged or missing object is reported with the file and \
                both checksums (exit 1). Logs still in the logs dir and not archived are read from disk. \
                Order: by type (session, build, deployment, debug), then file name, each after a header line.

                Examples:
                  logarchive read 123                         every log of issue 123, with headers
                  logarchive read 123 --type build            only the build logs
                  logarchive read 123 --file 123-build.log --raw --output build.log
                  logarchive read 123 --file 123-staging-2.log --raw   one stored version (after --force)
                  logarchive read 123 --store s3://team-logs/archive | less
                """
        )

        @Argument(help: "The issue (or pull request) number.")
        var issue: String

        @Option(help: "Only logs of this type: session, build, deployment or debug.")
        var type: LogType?

        @Option(help: "Only the log with this file name (123-build.log) or indexed path (logs/builds/123-build.log); one stored version alone by its stored name (123-build-2.log) or key.")
        var file: String?

        @Flag(help: "The logs' bytes only, without header lines.")
        var raw = false

        @Option(
            help: "Write to this file instead of stdout: it appears only once every log read is verified, and is never left half-written.",
            completion: .file())
        var output: String?

        @OptionGroup var locations: LocationOptions

        func validate() throws {
            _ = try parseIssue(issue)
        }

        @OptionGroup var logging: LoggingOptions

        func run(in context: CommandContext) throws {
            let logger = logging.logger(in: context)
            let sources: [LogSource]
            let browser: ArchiveBrowser
            let unfinished: ArchiveError?
            do {
                let settings = try context.settings(locations.overrides)
                let issue = try IssueNumber(validating: issue)
                unfinished = finishUnfinishedArchives(of: issue, settings: settings, in: context, logger: logger)
                browser = try ArchiveBrowser.open(settings: settings, environment: context.environment, logger: logger, issue: issue)
                sources = try browser.logsToRead(issue: issue, type: type, file: file)
                if let note = browser.storeNote { context.error("logarchive: \(note)") }
            } catch {
                throw fail(error, in: context)
            }
            let file: AtomicFileWriter?
            do {
                file = try output.map { output throws(ArchiveError) in
                    try AtomicFileWriter(path: Paths.absolute(output, relativeTo: context.currentDirectory))
                }
            } catch {
                throw fail(error, in: context)
            }
            // A failure to write the output ends the command; a log that does not verify does not.
            struct OutputFailure: Error { let error: ArchiveError }
            let write: (UnsafeRawBufferPointer) throws -> Void = { bytes in
                guard let file else { return try context.standardOutput.writeBytes(bytes) }
                do throws(ArchiveError) {
                    try file.write(bytes)
                } catch {
                    throw OutputFailure(error: error)
                }
            }
            var failures: [ArchiveError] = []
            for source in sources {
                var endsWithNewline = true
                do {
                    if !raw { try Array((source.header + "\n").utf8).withUnsafeBytes(write) }
                    try browser.reader.stream(source) { bytes in
                        try write(bytes)
                        if let last = bytes.last { endsWithNewline = last == UInt8(ascii: "\n") }
                    }
                    if !raw && !endsWithNewline { try Array("\n".utf8).withUnsafeBytes(write) }
                } catch let failure as OutputFailure {
                    throw fail(failure.error, in: context)
                } catch let error as ArchiveError {
                    failures.append(error)
                    context.error("logarchive: error: \(error.message)")
                } catch {
                    throw fail(.failure("cannot write to standard output: \(error)"), in: context)
                }
            }
            if !failures.isEmpty {
                if let file {
                    file.discard()
                    context.error("logarchive: error: \(file.path) was not written: \(failures.count == 1 ? "a log" : "\(failures.count) logs") did not verify")
                } else {
                    // The bytes are out already: say plainly that they cannot be trusted.
                    context.error(
                        "logarchive: error: the output above is damaged or incomplete (\(failures.count == 1 ? "1 log" : "\(failures.count) logs") did not verify); use --output FILE to get a file only when every byte is verified"
                    )
                }
                throw ExitCode(1)
            }
            if let file {
                do {
                    try file.commit()
                } catch {
                    throw fail(error, in: context)
                }
            }
            if let unfinished { throw ExitCode(unfinished.exitCode) }
        }
    }
}
