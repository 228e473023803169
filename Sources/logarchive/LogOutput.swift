import ArgumentParser
import Foundation
import LogArchive
import Logging

/// `-v/--verbose`: every subcommand takes it, so a failing CI run can be run again with `-v`.
struct LoggingOptions: ParsableArguments {
    @Flag(
        name: .shortAndLong,
        help: """
            Print each request (method, key, status, bytes, duration, attempt), retry, decision and git command \
            on stderr, secrets redacted; -vv adds the request headers. Also LOGARCHIVE_LOG_LEVEL=debug.
            """)
    var verbose: Int

    /// The logger the command hands to the library, once `LogOutput.bootstrap` has run.
    var logger: Logger { Logger(label: "logarchive") }

    /// Records are being printed: a progress line redrawn between them would garble both.
    var isVerbose: Bool { logger.logLevel <= .debug }
}

/// A subcommand that takes `-v`; `LogArchiveCommand.main` bootstraps logging from it before `run`.
protocol LoggingCommand {
    var logging: LoggingOptions { get }
}

/// The process's logging: one line per record on stderr, never stdout (`--json` keeps stdout one
/// object). Bootstrapped once, by the executable only; the library logs to the `Logger` it is given.
enum LogOutput {
    /// By default nothing is printed that was not printed before: the library logs its requests
    /// and decisions at debug and trace only.
    static let defaultLevel = Logger.Level.warning

    /// The level `-v` (debug), `-vv` (trace) and `LOGARCHIVE_LOG_LEVEL` ask for: the more verbose
    /// of the two. An unknown `LOGARCHIVE_LOG_LEVEL` is bad input, named.
    static func level(verbosity: Int, environment: [String: String]) throws(ArchiveError) -> Logger.Level {
        var level = defaultLevel
        if let text = environment["LOGARCHIVE_LOG_LEVEL"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            if ["off", "none"].contains(text.lowercased()) {
                level = .critical
            } else if let named = Logger.Level(rawValue: text.lowercased()) {
                level = named
            } else {
                let names = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
                throw .badInput("invalid LOGARCHIVE_LOG_LEVEL '\(text)': use one of \(names), or off")
            }
        }
        if verbosity >= 2 { level = min(level, .trace) } else if verbosity == 1 { level = min(level, .debug) }
        return level
    }

    static func bootstrap(level: Logger.Level) {
        LoggingSystem.bootstrap { label in StandardErrorLogHandler(label: label, logLevel: level) }
    }
}

/// `2026-12-01T14:03:07.125Z debug http PUT http://…/key attempt=1 duration_ms=3.1 status=200`:
/// time (UTC), level, message, then the metadata as key=value sorted by key. One write(2) per
/// record, so records from many threads never interleave within a line.
struct StandardErrorLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    init(label: String, logLevel: Logger.Level) {
        self.label = label
        self.logLevel = logLevel
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        var line = "\(Self.timestamp()) \(event.level.rawValue) \(Self.oneLine(event.message.description))"
        for key in all.keys.sorted() {
            line += " \(key)=\(Self.value(all[key].map { "\($0)" } ?? ""))"
        }
        line += "\n"
        let bytes = Array(line.utf8)
        bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                let written = write(STDERR_FILENO, base + offset, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }

    /// A record is one line whatever its message holds.
    private static func oneLine(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\\n")
    }

    /// A value with spaces or quotes is quoted, so `key=value` pairs stay parseable.
    private static func value(_ text: String) -> String {
        let single = oneLine(text)
        guard single.isEmpty || single.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) else { return single }
        return "\"" + single.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            + "\""
    }

    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let millis = Int(now.tv_nsec / 1_000_000)
        let fraction = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return
            "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(fraction)Z"
    }
}
