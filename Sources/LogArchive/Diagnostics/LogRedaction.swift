import Foundation

/// What a log line may say about a request or a command: secrets replaced before the text leaves
/// the library. Secrets reach HTTP only as the `Authorization` header, `x-amz-security-token` and
/// libcurl's SigV4 credentials (never logged), but a URL from elsewhere (a configured endpoint, a
/// `Link` header, a git remote) may carry a presigned query or `user:password@`.
public enum LogRedaction {
    public static let placeholder = "<redacted>"

    /// Request headers whose values are credentials.
    static let secretHeaders: Set<String> = [
        "authorization", "proxy-authorization", "x-amz-security-token", "x-aws-ec2-metadata-token", "cookie", "set-cookie",
        "x-api-key",
    ]

    /// Query parameters whose values are credentials or signatures (presigned S3 and GCS URLs,
    /// tokens in OAuth-style queries).
    static let secretQueryNames: Set<String> = [
        "x-amz-signature", "x-amz-credential", "x-amz-security-token", "signature", "awsaccesskeyid",
        "x-goog-signature",
        "x-goog-credential", "access_token", "token", "sig", "client_secret", "password", "secret",
    ]

    /// A header as it may be logged: the value of a credential header redacted.
    public static func header(name: String, value: String) -> String {
        secretHeaders.contains(name.lowercased()) ? placeholder : value
    }

    /// `url` with `user:password@` replaced and the values of secret query parameters redacted.
    public static func url(_ url: String) -> String {
        var text = Substring(url)
        var result = ""
        if let separator = text.range(of: "://") {
            result += text[..<separator.upperBound]
            text = text[separator.upperBound...]
        }
        let authorityEnd = text.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? text.endIndex
        let authority = text[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") {
            result += placeholder + "@"
            result += authority[authority.index(after: at)...]
        } else {
            result += authority
        }
        let rest = text[authorityEnd...]
        guard let question = rest.firstIndex(of: "?") else { return result + rest }
        let fragmentStart = rest[question...].firstIndex(of: "#") ?? rest.endIndex
        let parameters = rest[rest.index(after: question)..<fragmentStart].split(
            separator: "&", omittingEmptySubsequences: false)
        let query = parameters.map { parameter -> String in
            guard let equals = parameter.firstIndex(of: "=") else { return String(parameter) }
            let name = parameter[..<equals]
            return secretQueryNames.contains(name.lowercased()) ? String(name) + "=" + placeholder : String(parameter)
        }
        result += rest[..<question]
        result += "?" + query.joined(separator: "&")
        result += rest[fragmentStart...]
        return result
    }

    /// A command line as it may be logged: each argument that is a URL with its credentials
    /// redacted, quoted as a shell takes it back, newlines shown as `\n` so a record stays one line,
    /// and a long argument (a commit message) cut to its start.
    public static func commandLine(_ arguments: [String]) -> String {
        arguments.map { argument in
            var safe = argument.contains("://") ? url(argument) : argument
            if safe.count > argumentLimit { safe = String(safe.prefix(argumentLimit)) + "… (\(safe.count) characters)" }
            return ShellQuoting.quote(safe).split(separator: "\n", omittingEmptySubsequences: false).joined(
                separator: "\\n")
        }.joined(separator: " ")
    }

    static let argumentLimit = 120

    /// Free text (a tool's message, a command's whole output, a trace) with every URL in it
    /// redacted as `url(_:)` does: a URL is the word around each `://`, words split at ASCII
    /// whitespace and quotes, as git and curl quote the URLs they name. Scans bytes, so that a
    /// large `--json` or trace costs one pass; the text is rebuilt only when a URL changed.
    public static func text(_ text: String) -> String {
        var text = text
        return text.withUTF8 { bytes -> String? in
            var result: [UInt8] = []
            var copied = 0
            var position = 0
            while position + 2 < bytes.count {
                guard bytes[position] == UInt8(ascii: ":"), bytes[position + 1] == UInt8(ascii: "/"),
                    bytes[position + 2] == UInt8(ascii: "/")
                else {
                    position += 1
                    continue
                }
                var start = position
                while start > copied, !isWordBoundary(bytes[start - 1]) { start -= 1 }
                var end = position + 3
                while end < bytes.count, !isWordBoundary(bytes[end]) { end += 1 }
                let word = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
                let redacted = url(word)
                if redacted != word {
                    result.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<start]))
                    result.append(contentsOf: redacted.utf8)
                    copied = end
                }
                position = end
            }
            guard copied > 0 else { return nil }
            result.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied...]))
            return String(decoding: result, as: UTF8.self)
        } ?? text
    }

    private static func isWordBoundary(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x09...0x0D, 0x20, UInt8(ascii: "'"), UInt8(ascii: "\""): true
        default: false
        }
    }

    /// An error as a log line may show it: a transfer error's URL redacted.
    public static func error(_ error: any Error) -> String {
        guard let transport = error as? HTTPTransportError else { return "\(error)" }
        return "\(transport.message) (\(url(transport.url)))"
    }
}
