import Dispatch
import Foundation


/// Reads a descriptor to its end, handing on each chunk as read and each complete line (a last
/// line without a newline too), without the newline.
enum LineSplitter {
    static func read(_ input: PosixFile, chunk: (UnsafeRawBufferPointer) -> Void, line: (String) -> Void) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        var partial: [UInt8] = []
        while true {
            // A read error ends the stream as its end does: what was read is kept.
            guard let count = try? input.read(into: buffer), count > 0 else { break }
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            chunk(bytes)
            var start = 0
            for index in 0..<count where bytes[index] == 10 {
                partial.append(contentsOf: bytes[start..<index])
                line(String(decoding: partial, as: UTF8.self))
                partial.removeAll(keepingCapacity: true)
                start = index + 1
            }
            partial.append(contentsOf: bytes[start..<count])
        }
        if !partial.isEmpty { line(String(decoding: partial, as: UTF8.self)) }
    }
}
