import Crypto

/// AWS Signature Version 4 for a request's headers, computed here rather than by libcurl.
///
/// libcurl 7.88's `CURLOPT_AWS_SIGV4` sorts the canonical headers as whole `name:value` lines,
/// so a header whose name is a prefix of another's lands after it: with
/// `x-amz-server-side-encryption` and `…-aws-kms-key-id` (`--sse aws:kms --sse-kms-key-id`)
/// SeaweedFS answered SignatureDoesNotMatch to curl 7.88.1 and accepts this signer's (curl fixed
/// the order in 8.x). Signed: `host`, `content-type` and every `x-amz-*` header the request
/// carries, with `x-amz-date` and the session token added here.
struct SigV4Signer {
    let signing: AWSSigning

    /// The headers to add: `x-amz-date`, `x-amz-security-token` when there is one, and
    /// `Authorization`. `headers` must carry `x-amz-content-sha256` (the payload's hash).
    func headers(method: String, url: String, headers: [(name: String, value: String)], date: UTCTimestamp)
        -> [(name: String, value: String)]
    {
        let parts = SigV4Signer.split(url)
        let amzDate = date.basicISO8601
        let day = String(amzDate.prefix(8))
        var added: [(name: String, value: String)] = [(name: "x-amz-date", value: amzDate)]
        if let token = signing.sessionToken { added.append((name: "x-amz-security-token", value: token)) }

        var canonical: [String: String] = ["host": parts.host]
        for header in headers + added {
            let name = header.name.lowercased()
            guard name.hasPrefix("x-amz-") || name == "content-type" || name == "content-md5" else { continue }
            let value = SigV4Signer.trimmed(header.value)
            canonical[name] = canonical[name].map { $0 + "," + value } ?? value
        }
        // Sorted by name alone: the order curl 7.88 got wrong.
        let names = canonical.keys.sorted()
        let signedHeaders = names.joined(separator: ";")
        let payloadHash = canonical["x-amz-content-sha256"] ?? "UNSIGNED-PAYLOAD"
        let canonicalRequest = [
            method, parts.path, parts.query, names.map { "\($0):\(canonical[$0] ?? "")\n" }.joined(), signedHeaders,
            payloadHash,
        ].joined(separator: "\n")

        let scope = "\(day)/\(signing.region)/\(signing.service)/aws4_request"
        let stringToSign = [
            "AWS4-HMAC-SHA256", amzDate, scope, SigV4Signer.hex(SHA256.hash(data: Array(canonicalRequest.utf8))),
        ]
        .joined(separator: "\n")
        var key = SymmetricKey(data: Array(("AWS4" + signing.secretAccessKey).utf8))
        for step in [day, signing.region, signing.service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(step.utf8), using: key)))
        }
        let signature = SigV4Signer.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
        added.append(
            (
                name: "Authorization",
                value:
                    "AWS4-HMAC-SHA256 Credential=\(signing.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
            ))
        return added
    }

    /// The host as libcurl sends it (with the port unless it is the scheme's), the path as given
    /// (S3Addressing already encoded it once, as S3's canonical URI wants) and the query as given
    /// (already sorted and encoded).
    static func split(_ url: String) -> (host: String, path: String, query: String) {
        let https = url.hasPrefix("https://")
        let rest = url.dropFirst(https ? 8 : url.hasPrefix("http://") ? 7 : 0)
        let authority = rest.prefix(while: { $0 != "/" && $0 != "?" })
        var host = String(authority)
        if https, host.hasSuffix(":443") { host.removeLast(4) }
        if !https, host.hasSuffix(":80") { host.removeLast(3) }
        let afterAuthority = rest.dropFirst(authority.count)
        let path = afterAuthority.prefix(while: { $0 != "?" })
        let query = afterAuthority.dropFirst(path.count).dropFirst()
        return (host, path.isEmpty ? "/" : String(path), String(query))
    }

    /// Leading and trailing spaces removed, inner runs of spaces made one, as SigV4 canonicalises.
    static func trimmed(_ value: String) -> String {
        value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        for byte in digest {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
