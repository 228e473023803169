import Foundation
import LogArchive

/// Writes bytes straight to a descriptor, without Foundation's copies: `read` and `search` stream
/// gigabytes to stdout through here, and a log record goes to stderr in one `write(2)`.
enum DescriptorOutput {
    /// `name` says which descriptor in the error: "standard output".
    static func write(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32, name: String) throws {
        guard var pointer = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = Foundation.write(descriptor, pointer, remaining)
            if written < 0 {
                if errno == EINTR { continue }
                throw FileSystemError("write", path: name)
            }
            pointer += written
            remaining -= written
        }
    }
}
