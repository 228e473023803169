import FuzzSupport
@testable import LogArchive

/// libFuzzer's entry point: GitHub's issue, comment-list and error answers and its `Link`
/// header. The first line of the input is the header value (used as both `Link` and
/// `Retry-After`), the rest the body, so the fuzzer steers each on its own.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let (header, body) = splitFirstLine(bytes, limit: 4096)
    let response = HTTPResponse(status: 403, headers: [("retry-after", header), ("link", header)], body: body)
    _ = GitHubError(response).description
    _ = try? GitHubClient.issue(IssueNumber(exactly: 1)!, from: response)
    _ = try? GitHubClient.comments(from: response)
    _ = GitHubClient.nextLink(response.header("link"))
    return 0
}
