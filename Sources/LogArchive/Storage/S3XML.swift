/// Reads the few small XML documents S3 answers with (errors, listings, multipart replies). They are
/// flat enough that finding elements by name is exact; entities are decoded.
public enum S3XML {
    /// The text of every `<name>…</name>` in `xml`, in order.
    public static func values(_ name: String, in xml: Substring) -> [String] {
        elements(name, in: xml).map { decodeEntities(String($0)) }
    }

    public static func value(_ name: String, in xml: Substring) -> String? {
        values(name, in: xml).first
    }

    /// The raw inside of every `<name>…</name>` (for nested blocks such as `<Contents>`).
    public static func elements(_ name: String, in xml: Substring) -> [Substring] {
        let open = "<\(name)>"
        let close = "</\(name)>"
        var results: [Substring] = []
        var rest = xml
        while let start = rest.range(of: open) {
            let afterOpen = rest[start.upperBound...]
            guard let end = afterOpen.range(of: close) else { break }
            results.append(afterOpen[..<end.lowerBound])
            rest = afterOpen[end.upperBound...]
        }
        return results
    }

    public static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var result = ""
        var rest = Substring(text)
        while let ampersand = rest.firstIndex(of: "&") {
            result += rest[..<ampersand]
            let afterAmpersand = rest[rest.index(after: ampersand)...]
            guard let semicolon = afterAmpersand.firstIndex(of: ";"), afterAmpersand.distance(from: afterAmpersand.startIndex, to: semicolon) <= 10
            else {
                result += "&"
                rest = afterAmpersand
                continue
            }
            let entity = afterAmpersand[..<semicolon]
            switch entity {
            case "amp": result += "&"
            case "lt": result += "<"
            case "gt": result += ">"
            case "quot": result += "\""
            case "apos": result += "'"
            default:
                let scalar: Unicode.Scalar?
                if entity.hasPrefix("#x") { scalar = UInt32(entity.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init) }
                else if entity.hasPrefix("#") { scalar = UInt32(entity.dropFirst()).flatMap(Unicode.Scalar.init) }
                else { scalar = nil }
                if let scalar { result.unicodeScalars.append(scalar) } else { result += "&\(entity);" }
            }
            rest = afterAmpersand[afterAmpersand.index(after: semicolon)...]
        }
        return result + rest
    }

    public static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            default: result.append(character)
            }
        }
        return result
    }
}

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
    /// Classifies the errors of an S3 transfer.
    public static func classifyS3(_ error: any Error) -> FailureClass {
        switch error {
        case let error as S3Error: return error.failureClass
        case let error as HTTPTransportError:
            switch error.kind {
            case .timeout: return .timeout
            case .connection: return .network
            case .local, .other: return .permanent
            }
        default: return .permanent
        }
    }
}
