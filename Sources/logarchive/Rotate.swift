import ArgumentParser
import LogArchive

extension LogArchiveCommand {
    struct Rotate: LogArchiveSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Archive a growing log over the size threshold, then truncate it, losing no line.",
            discussion: """
                The log is gzipped into <archive-dir>/<UTC timestamp>_<name>.gz; once that archive is \
                complete and synced the log is truncated to 0 (not deleted, so writers keep their \
                handle). Lines appended meanwhile are not lost: writers that take a shared flock on \
                the file (logarchive's own do) wait for the last instant, and bytes from any other \
                writer go into the archive before the truncation. On any failure the log is left \
                as it was and no partial archive is kept.

                Examples:
                  logarchive rotate logs/debug/agent.log       over 100 MiB? archive and truncate
                  logarchive rotate app.log --threshold 10MB --archive-dir /var/archive/app
                  logarchive rotate app.log --threshold 0 --json
                """
        )

        @Argument(help: "The log file.", completion: .file())
        var file: String

        @OptionGroup var rotation: RotationOptions

        @Flag(help: "Print one JSON object instead of a line.")
        var json = false

        @OptionGroup var logging: LoggingOptions

        func run(in context: CommandContext) throws {
            let logger = logging.logger(in: context)
            let progress = ProgressDisplay.start(json: json || logging.isVerbose(in: context), in: context)
            var options = rotation.options(in: context.currentDirectory)
            options.progress = progress?.meter
            options.logger = logger
            let rotator = LogRotator(options: options)
            let path = Paths.absolute(file, relativeTo: context.currentDirectory)
            let outcome: LogRotator.Outcome
            do {
                outcome = try rotator.rotate(path)
                progress?.stop()
            } catch {
                progress?.stop()
                throw fail(error, json: json, in: context)
            }
            context.output(outcome.report(json: json, threshold: rotator.options.threshold, file: file) + "\n")
        }
    }
}

/// The options `rotate` and `watch` share.
struct RotationOptions: ParsableArguments {
    @Option(help: "Rotate a file when it is larger than this (default 100MiB; e.g. 512k, 10MB).")
    var threshold: String = "100MiB"

    @Option(help: "Where archives go (default: the log's folder).", completion: .directory)
    var archiveDir: String?

    @Option(help: "gzip level, 1 (fastest) to 9 (smallest); default 6.")
    var compressionLevel: Int = 6

    func validate() throws {
        try SettingRanges.threshold.validate(text: threshold, flag: "--threshold")
        try SettingRanges.compressionLevel.validate(compressionLevel, flag: "--compression-level")
    }

    func options(in directory: String) -> LogRotator.Options {
        var options = LogRotator.Options()
        options.threshold = ByteCount.parse(threshold) ?? options.threshold
        options.archiveDirectory = archiveDir.map { Paths.absolute($0, relativeTo: directory) }
        options.level = Int32(compressionLevel)
        return options
    }
}
