import Dispatch
import Foundation

import Glibc

/// Reads a descriptor to its end, handing on each chunk as read and each complete line (a last
/// line without a newline too), without the newline.
enum LineSplitter {
    static func read(_ descriptor: Int32, chunk: (UnsafeRawBufferPointer) -> Void, line: (String) -> Void) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        var partial: [UInt8] = []
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
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
