import CCurl
import Logging

import Glibc

/// Performs HTTP requests with libcurl: easy handles (and their open connections) borrowed from a
/// `ConnectionPool`, TLS verification on, request bodies streamed from files and response bodies
/// to files. Only the HTTP folder talks to libcurl.
///
/// Every request is logged at debug when it ends: method, URL (credentials in it redacted),
/// status, bytes sent and received, duration and attempt; its headers at trace, credential headers
/// redacted. libcurl's SigV4 credentials never reach the logger.
public struct HTTPClient: Sendable {
    let pool: ConnectionPool
    let logger: Logger
    /// Bodies up to this size are sent without waiting for `100 Continue` (one multipart part).
    static let sendAtOnceLimit: Int64 = 8 << 20

    public init(pool: ConnectionPool = .shared, logger: Logger = .discarding) {
        _ = HTTPClient.globalInitialization
        self.pool = pool
        self.logger = logger
    }

    /// `curl_global_init` is not thread-safe: it runs once, before any handle exists.
    static let globalInitialization: Void = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()

    public func perform(_ request: HTTPRequest) throws(HTTPTransportError) -> HTTPResponse {
        try Transfer(request, pool: pool, logger: logger).run()
    }

    /// Performs a request whose successful (2xx) response body goes to `sink` as it arrives, never
    /// held whole; any other answer keeps its (small) body in memory for the error. An error the
    /// sink throws ends the transfer and is rethrown as it is.
    public func perform(_ request: HTTPRequest, streamingBodyTo sink: (UnsafeRawBufferPointer) throws -> Void) throws
        -> HTTPResponse
    {
        try withoutActuallyEscaping(sink) { sink in
            let transfer = try Transfer(request, pool: pool, logger: logger)
            transfer.responseSink = sink
            do {
                return try transfer.run()
            } catch {
                if let sinkError = transfer.sinkError { throw sinkError }
                throw error
            }
        }
    }
}

/// The state of one transfer. libcurl calls back into it through an unmanaged pointer, so it is a
/// class at a stable address that outlives the handle.
private final class Transfer {
    let request: HTTPRequest
    let pool: ConnectionPool
    let logger: Logger
    let handle: UnsafeMutableRawPointer
    var headerList: UnsafeMutablePointer<curl_slist>?
    let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    // Request body.
    var sourceFile: PosixFile?
    var sourceOffset: Int64 = 0
    var sourceRemaining: Int64 = 0
    /// Where the body starts in `sourceFile` and how long it is, to send it again from the start.
    var sourceStart: Int64 = 0
    var sourceLength: Int64 = 0
    var sourceBytes: [UInt8] = []
    var sourceBytesOffset = 0

    // Response.
    var responseHeaders: [(name: String, value: String)] = []
    var responseBody: [UInt8] = []
    var responseLimit = Int.max
    var responseFile: PosixFile?
    var responseSink: ((UnsafeRawBufferPointer) throws -> Void)?
    var sinkError: (any Error)?
    var localFailure: String?

    // For the log line: what went each way (a body sent again after a rewind counts again).
    var bytesSent: Int64 = 0
    var bytesReceived: Int64 = 0

    init(_ request: HTTPRequest, pool: ConnectionPool, logger: Logger) throws(HTTPTransportError) {
        self.request = request
        self.pool = pool
        self.logger = logger
        guard let handle = pool.borrow() else {
            throw HTTPTransportError(kind: .other, message: "libcurl could not create a handle", url: request.url)
        }
        self.handle = handle
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        pool.giveBack(handle)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    func run() throws(HTTPTransportError) -> HTTPResponse {
        let started = MonotonicClock.nanoseconds()
        logHeaders()
        do {
            let response = try perform()
            log(started: started, status: response.status, failure: nil)
            return response
        } catch {
            log(started: started, status: nil, failure: error)
            throw error
        }
    }

    /// One line per request at debug. The URL is the request's own (its query sorted for SigV4,
    /// no credential in it), redacted all the same in case a caller's URL carries one.
    private func log(started: UInt64, status: Int?, failure: HTTPTransportError?) {
        guard logger.logLevel <= .debug else { return }
        var metadata: Logger.Metadata = [
            "sent": "\(bytesSent)", "received": "\(bytesReceived)",
            "duration_ms": .milliseconds(MonotonicClock.nanoseconds() - started), "attempt": "\(request.attempt)",
        ]
        if let status { metadata["status"] = "\(status)" }
        if let failure {
            metadata["error"] = "\(failure.message)"
            metadata["failure"] = "\(failure.kind)"
        }
        logger.debug("http \(request.method) \(LogRedaction.url(request.url))", metadata: metadata)
    }

    private func logHeaders() {
        guard logger.logLevel <= .trace else { return }
        var lines = request.headers.map { "\($0.name): \(LogRedaction.header(name: $0.name, value: $0.value))" }
        if let signing = request.signing {
            lines.append("(signed with SigV4 for \(signing.region)/\(signing.service), access key id \(signing.accessKeyID))")
            if signing.sessionToken != nil { lines.append("x-amz-security-token: \(LogRedaction.placeholder)") }
        }
        logger.trace(
            "http \(request.method) \(LogRedaction.url(request.url)) sending", metadata: ["headers": "\(lines.joined(separator: "; "))"])
    }

    private func perform() throws(HTTPTransportError) -> HTTPResponse {
        try prepareBody()
        try prepareResponse()
        configure()
        let code = curl_easy_perform(handle)
        if let responseFile {
            do {
                try responseFile.sync()
                try responseFile.close()
            } catch {
                localFailure = localFailure ?? "\(error)"
            }
        }
        if let localFailure {
            throw HTTPTransportError(kind: .local, message: localFailure, url: request.url)
        }
        guard code == CURLE_OK else { throw transportError(code) }
        var status = 0
        _ = logarchive_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: responseHeaders, body: responseBody)
    }

    private func prepareBody() throws(HTTPTransportError) {
        switch request.body {
        case .empty:
            break
        case .bytes(let bytes):
            sourceBytes = bytes
        case .file(let path, let offset, let length):
            do {
                sourceFile = try PosixFile.openForReading(path)
            } catch {
                throw HTTPTransportError(kind: .local, message: "\(error)", url: request.url)
            }
            sourceOffset = offset
            sourceRemaining = length
            sourceStart = offset
            sourceLength = length
        case .openFile(let shared, let offset, let length):
            sourceFile = shared.file
            sourceOffset = offset
            sourceRemaining = length
            sourceStart = offset
            sourceLength = length
        }
    }

    /// Moves the body back to `offset` from its start: libcurl re-sends a request whose reused
    /// connection turned out dead, and without a rewind it gave up (CURLE_SEND_FAIL_REWIND) where
    /// a fresh connection would have carried the request.
    func seek(to offset: Int64) -> Bool {
        if sourceFile != nil {
            guard offset >= 0, offset <= sourceLength else { return false }
            sourceOffset = sourceStart + offset
            sourceRemaining = sourceLength - offset
        } else {
            guard offset >= 0, offset <= Int64(sourceBytes.count) else { return false }
            sourceBytesOffset = Int(offset)
        }
        return true
    }

    private func prepareResponse() throws(HTTPTransportError) {
        switch request.responseBody {
        case .memory(let limit):
            responseLimit = limit
        case .file(let path):
            do {
                responseFile = try PosixFile.open(path, flags: O_WRONLY | O_CREAT | O_TRUNC)
            } catch {
                throw HTTPTransportError(kind: .local, message: "\(error)", url: request.url)
            }
        }
    }

    private func configure() {
        let this = Unmanaged.passUnretained(self).toOpaque()
        pool.prepare(handle)
        _ = logarchive_curl_setopt_string(handle, CURLOPT_URL, request.url)
        _ = logarchive_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = logarchive_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        _ = logarchive_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1)
        _ = logarchive_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2)
        _ = logarchive_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(request.connectTimeoutSeconds * 1000))
        // A stall, not a slow link, is a timeout: less than 1 byte/s for the whole window.
        _ = logarchive_curl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1)
        _ = logarchive_curl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, max(1, Int(request.stallTimeoutSeconds.rounded(.up))))
        // Redirects are never followed: a 3xx is the caller's answer, so the Authorization header
        // (the GitHub token, a SigV4 signature) never goes to a host or a scheme a server names.
        _ = logarchive_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)

        switch request.method {
        case "GET": _ = logarchive_curl_setopt_long(handle, CURLOPT_HTTPGET, 1)
        case "HEAD": _ = logarchive_curl_setopt_long(handle, CURLOPT_NOBODY, 1)
        case "PUT":
            _ = logarchive_curl_setopt_long(handle, CURLOPT_UPLOAD, 1)
            _ = logarchive_curl_setopt_offset(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(request.body.length))
        case "POST":
            _ = logarchive_curl_setopt_long(handle, CURLOPT_POST, 1)
            _ = logarchive_curl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.length))
        default:
            // PATCH and other verbs with a body send it the way POST does, under their own name.
            if request.body.length > 0 {
                _ = logarchive_curl_setopt_long(handle, CURLOPT_POST, 1)
                _ = logarchive_curl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.length))
            }
            _ = logarchive_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method)
        }
        // libcurl asks a signed upload's server for `100 Continue` before the body, a round trip
        // per request. A body up to one part goes at once; a larger one still waits, so that a
        // refusal (bad credentials, a missing bucket) costs no more than its headers.
        _ = logarchive_curl_setopt_long(
            handle, CURLOPT_EXPECT_100_TIMEOUT_MS, request.body.length <= HTTPClient.sendAtOnceLimit ? 0 : 1000)
        _ = logarchive_curl_setopt_callback(handle, CURLOPT_READFUNCTION, transferRead)
        _ = logarchive_curl_setopt_pointer(handle, CURLOPT_READDATA, this)
        _ = logarchive_curl_setopt_seek(handle, transferSeek)
        _ = logarchive_curl_setopt_pointer(handle, CURLOPT_SEEKDATA, this)
        _ = logarchive_curl_setopt_callback(handle, CURLOPT_WRITEFUNCTION, transferWrite)
        _ = logarchive_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, this)
        _ = logarchive_curl_setopt_callback(handle, CURLOPT_HEADERFUNCTION, transferHeader)
        _ = logarchive_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, this)

        var lines = request.headers.map { "\($0.name): \($0.value)" }
        if let signing = request.signing {
            // Signed at each attempt, so a retry carries a fresh date (and refreshed credentials).
            let signed = SigV4Signer(signing: signing).headers(
                method: request.method, url: request.url, headers: request.headers, date: .now())
            lines += signed.map { "\($0.name): \($0.value)" }
        } else {
            // No `Expect: 100-continue` round trip. Signed uploads keep it: a large body waits
            // for the server's go-ahead, so a refusal costs only the headers.
            lines.append("Expect:")
        }
        for line in lines { headerList = curl_slist_append(headerList, line) }
        _ = logarchive_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        if let sourceFile {
            let wanted = Int(min(Int64(buffer.count), sourceRemaining))
            guard wanted > 0 else { return 0 }
            let count: Int
            do {
                // Retries EINTR: a signal during an upload must not abort it.
                count = try sourceFile.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<wanted]), at: sourceOffset)
            } catch {
                localFailure = "cannot read \(sourceFile.path) while uploading it: \(error)"
                return Int(CURL_READFUNC_ABORT)
            }
            guard count > 0 else {
                localFailure = "cannot read \(sourceFile.path) while uploading it: it got shorter"
                return Int(CURL_READFUNC_ABORT)
            }
            sourceOffset += Int64(count)
            sourceRemaining -= Int64(count)
            bytesSent += Int64(count)
            request.progress?.advance(count)
            do {
                try FaultPoint.uploadMid.reach(afterStreaming: count, total: sourceOffset)
            } catch {
                localFailure = "\(error)"
                return Int(CURL_READFUNC_ABORT)
            }
            return count
        }
        let count = min(buffer.count, sourceBytes.count - sourceBytesOffset)
        guard count > 0 else { return 0 }
        sourceBytes.withUnsafeBytes { bytes in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[sourceBytesOffset..<sourceBytesOffset + count]))
        }
        sourceBytesOffset += count
        bytesSent += Int64(count)
        return count
    }

    func write(_ chunk: UnsafeRawBufferPointer) -> Bool {
        bytesReceived += Int64(chunk.count)
        if let responseSink, isSuccessStatus {
            do {
                try responseSink(chunk)
                return true
            } catch {
                sinkError = error
                return false
            }
        }
        if let responseFile {
            do {
                try responseFile.write(chunk)
                return true
            } catch {
                localFailure = "\(error)"
                return false
            }
        }
        guard responseBody.count + chunk.count <= responseLimit else {
            localFailure = "the response is larger than \(responseLimit) bytes"
            return false
        }
        responseBody.append(contentsOf: chunk)
        return true
    }

    private var isSuccessStatus: Bool {
        var status = 0
        _ = logarchive_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return (200..<300).contains(status)
    }

    func header(_ line: String) {
        let trimmed = line.trimmingWhitespace()
        if trimmed.hasPrefix("HTTP/") {
            // A new response (after 100 Continue): only the final one's headers count.
            responseHeaders.removeAll()
            return
        }
        guard let colon = trimmed.firstIndex(of: ":") else { return }
        let name = trimmed[..<colon].lowercased()
        let value = trimmed[trimmed.index(after: colon)...].trimmingWhitespace()
        responseHeaders.append((name, value))
    }

    private func transportError(_ code: CURLcode) -> HTTPTransportError {
        let detail = String(cString: errorBuffer)
        let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        let kind: HTTPTransportError.Kind
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            kind = .timeout
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_SEND_ERROR,
            CURLE_RECV_ERROR, CURLE_PARTIAL_FILE, CURLE_GOT_NOTHING, CURLE_HTTP2, CURLE_HTTP2_STREAM,
            CURLE_SSL_CONNECT_ERROR, CURLE_SEND_FAIL_REWIND:
            kind = .connection
        default:
            kind = .other
        }
        return HTTPTransportError(kind: kind, message: message, url: request.url)
    }
}

private func transferRead(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    guard let buffer, let context else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    return transfer.read(into: UnsafeMutableRawBufferPointer(start: buffer, count: size * count))
}

private func transferSeek(_ context: UnsafeMutableRawPointer?, _ offset: curl_off_t, _ origin: Int32) -> Int32 {
    guard let context, origin == SEEK_SET else { return Int32(CURL_SEEKFUNC_CANTSEEK) }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    return transfer.seek(to: Int64(offset)) ? Int32(CURL_SEEKFUNC_OK) : Int32(CURL_SEEKFUNC_CANTSEEK)
}

private func transferWrite(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    guard let context else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    guard let buffer, length > 0 else { return length }
    return transfer.write(UnsafeRawBufferPointer(start: buffer, count: length)) ? length : 0
}

private func transferHeader(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    guard let context else { return 0 }
    let length = size * count
    guard let buffer, length > 0 else { return length }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    let line = String(decoding: UnsafeRawBufferPointer(start: buffer, count: length), as: UTF8.self)
    transfer.header(line)
    return length
}
