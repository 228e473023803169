import FuzzSupport
@testable import LogArchive

/// libFuzzer's entry point: S3's XML answers and error responses. The first line of the input is
/// the `Retry-After` header, the rest the body, so the fuzzer steers each on its own.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let (header, body) = splitFirstLine(bytes, limit: 256)
    let response = HTTPResponse(status: 503, headers: [("retry-after", header)], body: body)
    _ = S3Error(response: response, operation: "fuzz").description
    let xml = Substring(String(decoding: body, as: UTF8.self))
    _ = S3XML.values("Key", in: xml)
    _ = S3XML.value("Code", in: xml)
    _ = S3XML.elements("Contents", in: xml).map { (S3XML.value("Key", in: $0), S3XML.value("ETag", in: $0)) }
    return 0
}
