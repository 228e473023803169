@testable import LogArchive

/// libFuzzer's entry point: the JSON parser (strict and with comments), the archive index (whole,
/// and entry by entry) and the config file, each fed the same bytes. Any input must give a value or a thrown error.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? JSONParser.parse(bytes)
    _ = try? JSONParser.parse(bytes, allowsComments: true)
    // An index that parses is written back too: the writer sees every shape the parser accepts.
    if let index = try? ArchiveIndex(fileBytes: bytes) {
        _ = index.fileBytes
    }
    // Each entry alone, as `logarchive <n>`, `read` and `status` decode one (and hold its keys to
    // `IssueKeyRule`): a bad entry is an error for its issue only, never a crash.
    if let text = try? IndexFileText(bytes) {
        for position in text.entries.indices { _ = try? text.decodeEntry(at: position) }
    }
    _ = try? ConfigFile.parse(bytes, path: "fuzz.json")
    return 0
}
