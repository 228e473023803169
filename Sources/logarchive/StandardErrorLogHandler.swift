import Foundation
import LogArchive
import Logging

/// `2026-12-01T14:03:07.125Z debug http PUT http://…/key attempt=1 duration_ms=3.1 status=200`:
/// time (UTC), level, message, then the metadata as key=value sorted by key. One write(2) per
/// record, so records from many threads never interleave within a line.
struct StandardErrorLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    /// The command's stderr.
    let output: OutputSink

    init(label: String, logLevel: Logger.Level, output: OutputSink) {
        self.label = label
        self.logLevel = logLevel
        self.output = output
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
        // A record that cannot be written is dropped: logging never fails the command.
        try? Array(line.utf8).withUnsafeBytes(output.writeBytes)
    }

    /// A record is one line whatever its message holds, with no URL's credentials and no control
    /// character: the library's one redaction and escaping (`Wording.printable`).
    private static func oneLine(_ text: String) -> String {
        Wording.printable(text)
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
