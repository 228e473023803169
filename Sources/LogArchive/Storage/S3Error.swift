/// An error answer from S3: the HTTP status and S3's `<Code>`, with the message it gave.
public struct S3Error: Error, Sendable, CustomStringConvertible {
    public let status: Int
    public let code: String
    public let message: String
    public let operation: String
    public let retryAfterSeconds: Double?

    init(response: HTTPResponse, operation: String) {
        let xml = Substring(response.bodyText)
        status = response.status
        code = S3XML.value("Code", in: xml) ?? S3Error.defaultCode(for: response.status)
        message = S3XML.value("Message", in: xml) ?? ""
        self.operation = operation
        retryAfterSeconds = response.header("retry-after").flatMap(Double.init)
    }

    private static func defaultCode(for status: Int) -> String {
        switch status {
        case 403: "AccessDenied"
        case 404: "NotFound"
        case 429: "TooManyRequests"
        case 503: "ServiceUnavailable"
        default: "HTTP\(status)"
        }
    }

    public var description: String {
        "\(operation): HTTP \(status) \(code)" + (message.isEmpty ? "" : ": \(message)")
    }

    /// How the retry rules treat this answer.
    public var failureClass: RetryPolicy.FailureClass {
        switch (status, code) {
        case (429, _), (503, "SlowDown"), (_, "SlowDown"), (_, "Throttling"), (_, "ThrottlingException"):
            return .rateLimited(retryAfterSeconds: retryAfterSeconds)
        case (400, "RequestTimeout"), (400, "BadDigest"), (400, "XAmzContentSHA256Mismatch"), (400, "IncompleteBody"):
            // The bytes were damaged or cut on the way: sending them again can succeed.
            return .network
        case (500...599, _):
            return .network
        default:
            return .permanent
        }
    }
}

extension RetryPolicy {
    /// Classifies the errors of an S3 transfer: S3's answers by its rules, the rest as any HTTP
    /// transfer's.
    public static func classifyS3(_ error: any Error) -> FailureClass {
        if let error = error as? S3Error { return error.failureClass }
        return classifyTransport(error)
    }
}
