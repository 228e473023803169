import Dispatch
import Foundation

import Glibc

/// The front matter of a captured session log.
///
/// It is written once, when the session starts, with a slot of `slotSize` bytes for the end
/// values. Closing fills the slot in place (`pwrite`) under the exclusive `flock` that appenders
/// and `rotate` honour, and only if the file still begins with the very bytes written at the start:
/// the file is never rewritten or replaced, so a line appended at any moment survives. When the
/// head is gone (a rotation truncated the log meanwhile), the slot is left alone; the body's
/// `[capture] exit … after …` line still records the end.
enum SessionFrontMatter {
    /// Room for `ended:`, `duration:` and `exit_code:` lines, padded with spaces.
    static let slotSize = 120
    static let placeholder = "# ended, duration and exit_code: filled in when the session ends"

    static func opening(issue: IssueNumber, command: String, started: UTCTimestamp) -> String {
        "---\nissue: \(issue)\ncommand: \(yamlString(command))\nstarted: \(started.iso8601)\n\(padded(placeholder))---\n\n"
    }

    /// `text` padded with spaces to `slotSize` bytes, the last one a newline.
    static func padded(_ text: String) -> String {
        let bytes = text.utf8.count
        return text + String(repeating: " ", count: max(0, slotSize - 1 - bytes)) + "\n"
    }

    static func ending(ended: UTCTimestamp, started: UTCTimestamp, exitCode: Int32) -> String {
        let full = "ended: \(ended.iso8601)\nduration: \(DurationText.format(seconds: ended.seconds - started.seconds))\nexit_code: \(exitCode)"
        if full.utf8.count < slotSize { return padded(full) }
        // The duration is derived from started and ended; it goes first when room runs out.
        return padded("ended: \(ended.iso8601)\nexit_code: \(exitCode)")
    }

    /// Fills the slot of the file that begins with `opening`. Returns false, changing nothing, when
    /// the file no longer begins with it.
    @discardableResult
    static func close(_ path: String, opening: [UInt8], ended: UTCTimestamp, started: UTCTimestamp, exitCode: Int32) throws -> Bool {
        let slot = Array(padded(placeholder).utf8)
        let closing = Array("---\n\n".utf8)
        let slotOffset = opening.count - closing.count - slot.count
        let filled = Array(ending(ended: ended, started: started, exitCode: exitCode).utf8)
        guard slotOffset > 0, filled.count == slot.count else { return false }
        // Not O_APPEND: on Linux a pwrite to an O_APPEND descriptor appends.
        let file = try PosixFile.openForUpdating(path)
        try file.lock(.exclusive)
        // Closing the file (below, or on the way out) releases the lock.
        var head = [UInt8](repeating: 0, count: opening.count)
        var read = 0
        while read < head.count {
            let count = try head.withUnsafeMutableBytes { buffer in
                try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[read...]), at: Int64(read))
            }
            if count == 0 { break }
            read += count
        }
        guard read == opening.count, head == opening else { return false }
        try file.write(filled, at: Int64(slotOffset))
        try file.close()
        return true
    }

    /// A YAML double-quoted string: safe for any command line.
    static func yamlString(_ text: String) -> String {
        var escaped = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\t": escaped += "\\t"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped + "\""
    }
}
