@testable import LogArchive

/// libFuzzer's entry point: a session log's front matter, and the same bytes as an ISO 8601
/// timestamp (the front matter's `started:` and `ended:` values go through it too).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = IssueComment.sessionDuration(frontMatter: bytes)
    _ = UTCTimestamp(iso8601: String(decoding: bytes.prefix(64), as: UTF8.self))
    return 0
}
