import Foundation

/// The parts of an `http(s)://` URL that decide where a request goes and what it may carry: the
/// scheme, the `user:password@` (if any), the host and the port. The one parser of them, for the
/// rule on where the GitHub token may be sent (`GitHubSettings.checkedAPIURL`), the pages GitHub's
/// `Link` header names, the S3 endpoint and doctor's TLS check.
public struct URLAuthority: Sendable, Equatable {
    /// Lowercased: `http` or `https` (or whatever the URL says).
    public let scheme: String
    /// The `user:password` before `@`, nil when there is none.
    public let userInfo: String?
    /// Lowercased; an IPv6 address without its brackets.
    public let host: String
    public let port: Int?

    /// Nil when `url` has no `scheme://` or no host.
    public init?(_ url: String) {
        guard let separator = url.range(of: "://") else { return nil }
        scheme = url[..<separator.lowerBound].lowercased()
        let rest = url[separator.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        var hostPort = authority
        if let at = authority.lastIndex(of: "@") {
            userInfo = String(authority[..<at])
            hostPort = authority[authority.index(after: at)...]
        } else {
            userInfo = nil
        }
        var portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { return nil }
            host = hostPort[hostPort.index(after: hostPort.startIndex)..<close].lowercased()
            let after = hostPort[hostPort.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { return nil }
        } else if let colon = hostPort.firstIndex(of: ":") {
            host = hostPort[..<colon].lowercased()
            portText = hostPort[hostPort.index(after: colon)...]
        } else {
            host = hostPort.lowercased()
        }
        guard !host.isEmpty else { return nil }
        if let portText, !portText.isEmpty {
            guard portText.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(portText), number <= 65535 else {
                return nil
            }
            port = number
        } else {
            port = nil
        }
    }

    /// The port a request goes to: the given one, else the scheme's.
    public var effectivePort: Int? { port ?? (scheme == "https" ? 443 : scheme == "http" ? 80 : nil) }

    /// This machine: `localhost`, an address of 127.0.0.0/8 written as four numbers, or `::1`.
    /// `127.0.0.1.example.com` is not.
    public var isLoopback: Bool {
        if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127"
            && parts.allSatisfy { part in
                !part.isEmpty && part.count <= 3 && part.allSatisfy { $0.isASCII && $0.isNumber } && Int(part)! <= 255
            }
    }

    /// Plain http to anything but this machine: what a secret must never be sent over.
    public var isPlainRemoteHTTP: Bool { scheme == "http" && !isLoopback }

    /// Whether `other` goes to the same scheme, host and port: the same origin, for a URL a server
    /// hands back (a `Link` page) that the token is to be sent to.
    public func isSameOrigin(as other: URLAuthority) -> Bool {
        scheme == other.scheme && host == other.host && effectivePort == other.effectivePort
    }

    /// `url` without its `user:password@`: for an endpoint whose requests authenticate otherwise.
    public static func removingUserInfo(from url: String) -> String {
        guard let separator = url.range(of: "://") else { return url }
        let rest = url[separator.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return url }
        return String(url[..<separator.upperBound]) + String(url[url.index(after: at)...])
    }
}
