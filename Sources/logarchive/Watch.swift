import ArgumentParser
import Dispatch
import Foundation
import LogArchive

extension LogArchiveCommand {
    struct Watch: LogArchiveSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Watch a folder and rotate each log that grows over the threshold.",
            discussion: """
                Checks the folder every --interval; each log over the threshold is rotated as \
                `logarchive rotate` does, off the watching loop, and reported as one log-archived \
                line (or JSON object with --json). SIGINT or SIGTERM stops it cleanly: a rotation \
                under way is abandoned, its partial archive removed and its log left as it was.

                Examples:
                  logarchive watch logs/debug                  check every 5 minutes, rotate over 100 MiB
                  logarchive watch /var/log/agents --interval 30s --threshold 50MB
                  logarchive watch logs/sessions --json | jq .archive
                """
        )

        @Argument(help: "The folder whose logs to watch.", completion: .directory)
        var directory: String

        @Option(help: "How often to check (default 5m; e.g. 30s, 300000ms).")
        var interval: String = "5m"

        @OptionGroup var rotation: RotationOptions

        @Flag(help: "Print one JSON object per event.")
        var json = false

        func validate() throws {
            if !interval.isEmpty, interval.allSatisfy(\.isNumber) {
                throw ValidationError("'--interval \(interval)' needs a unit: \(interval)s, \(interval)m or \(interval)ms")
            }
            if DurationText.parseSeconds(interval) == 0 {
                throw ValidationError("'--interval \(interval)' must be longer than zero")
            }
            try SettingRanges.watchInterval.validate(text: interval, flag: "--interval")
        }

        @OptionGroup var logging: LoggingOptions

        func run(in context: CommandContext) throws {
            let logger = logging.logger(in: context)
            var options = rotation.options(in: context.currentDirectory)
            options.logger = logger
            let json = json
            let watcher = LogWatcher(
                directory: Paths.absolute(directory, relativeTo: context.currentDirectory),
                interval: DurationText.parseSeconds(interval) ?? 300, rotator: LogRotator(options: options)
            ) { event in
                switch event {
                case .archived(let rotation):
                    context.output((json ? JSONWriter.compact(rotation.json()) : rotation.summary) + "\n")
                case .failed(let file, let error):
                    context.error("logarchive: watch: cannot rotate \(file): \(error.message)")
                }
            }
            let signals = [SIGINT, SIGTERM].map { number in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { watcher.stop() }
                source.resume()
                return source
            }
            defer { signals.forEach { $0.cancel() } }
            let seconds = DurationText.parseSeconds(interval) ?? 300
            let start =
                "watching \(Paths.absolute(directory, relativeTo: context.currentDirectory)) every \(seconds < 1 ? "\(Int((seconds * 1000).rounded())) ms" : DurationText.format(seconds: Int64(seconds.rounded()))): "
                + "logs over \(ByteCount.format(options.threshold)) are rotated; Ctrl-C stops"
            // On stderr: stdout carries only the log-archived lines (or JSON objects) scripts read.
            context.error("logarchive: " + start)
            do {
                try watcher.run()
            } catch {
                throw fail(error, json: json, in: context)
            }
        }
    }
}
