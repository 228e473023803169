import Foundation
import LogArchive

/// Writes bulk bytes straight to stdout's descriptor, without Foundation's copies: `read` and
/// `search` stream gigabytes through here.
enum StandardOutput {
    static func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard var pointer = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = Foundation.write(STDOUT_FILENO, pointer, remaining)
            if written < 0 {
                if errno == EINTR { continue }
                throw FileSystemError("write", path: "standard output")
            }
            pointer += written
            remaining -= written
        }
    }

    static func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }

    static var isTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
}
