/// One HTTP request as the stores and the GitHub client describe it; `HTTPClient` performs it.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The full URL, its query already in the canonical order SigV4 needs.
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: HTTPRequestBody
    /// Sign with AWS Signature Version 4 (`SigV4Signer`, at each attempt).
    public var signing: AWSSigning?
    /// A transfer that moves no byte for this long is abandoned as timed out.
    public var stallTimeoutSeconds: Double
    public var connectTimeoutSeconds: Double
    /// Where the response body goes.
    public var responseBody: HTTPResponseDestination
    /// Counts the body's bytes as they are sent, for a progress line.
    public var progress: ProgressMeter?
    /// Which try of the same request this is (1 for the first), for the request's log line.
    public var attempt = 1

    public init(
        method: String, url: String, headers: [(name: String, value: String)] = [], body: HTTPRequestBody = .empty,
        signing: AWSSigning? = nil, stallTimeoutSeconds: Double = 30, connectTimeoutSeconds: Double = 10,
        responseBody: HTTPResponseDestination = .memory(limit: 16 << 20)
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.signing = signing
        self.stallTimeoutSeconds = stallTimeoutSeconds
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.responseBody = responseBody
    }
}

public enum HTTPRequestBody: Sendable {
    case empty
    case bytes([UInt8])
    /// A byte range of a file, streamed from disk as it is sent: multipart parts never sit in memory.
    case file(path: String, offset: Int64, length: Int64)
    /// A byte range of a file already open, read the same way: it may have been renamed since.
    case openFile(SharedReadFile, offset: Int64, length: Int64)

    var length: Int64 {
        switch self {
        case .empty: 0
        case .bytes(let bytes): Int64(bytes.count)
        case .file(_, _, let length), .openFile(_, _, let length): length
        }
    }
}

public enum HTTPResponseDestination: Sendable {
    /// Kept in memory, up to `limit` bytes (a longer body fails the transfer).
    case memory(limit: Int)
    /// Streamed to a file that is created (truncated) for the response.
    case file(path: String)
}

/// Credentials and scope for SigV4. The secret never leaves this value except into libcurl.
public struct AWSSigning: Sendable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?
    public var region: String
    public var service: String

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String?, region: String, service: String = "s3") {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.region = region
        self.service = service
    }
}

public struct HTTPResponse: Sendable {
    public let status: Int
    /// Header names lower-cased, in the order received.
    public let headers: [(name: String, value: String)]
    public let body: [UInt8]

    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.last(where: { $0.name == wanted })?.value
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// A transfer that did not produce an HTTP response.
public struct HTTPTransportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Nothing moved for the stall timeout, or the connection timed out.
        case timeout
        /// Could not connect, the connection was reset, or the response was cut short.
        case connection
        /// The local side failed: a file could not be read or written, a response was too large.
        case local
        /// Anything else libcurl reports (TLS, bad URL, ...): not worth retrying.
        case other
    }

    public let kind: Kind
    public let message: String
    public let url: String

    public var description: String { "\(message) (\(url))" }
}
