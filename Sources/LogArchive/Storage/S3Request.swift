/// Builds S3 request URLs: path-style for custom endpoints (MinIO, SeaweedFS, R2 work with it),
/// virtual-hosted for AWS itself. Keys and query values are encoded as SigV4 canonicalises them,
/// and the query is sorted with `key=` for empty values, because libcurl 7.88 signs the query
/// exactly as given.
public struct S3Addressing: Sendable {
    public let endpoint: String?
    public let region: String
    public let bucket: String

    public func url(key: String, query: [(String, String)] = []) -> String {
        let path = "/" + key.split(separator: "/", omittingEmptySubsequences: false).map { S3Addressing.encode(String($0)) }.joined(separator: "/")
        let base: String
        if let endpoint {
            base = endpoint + "/" + S3Addressing.encode(bucket) + (key.isEmpty ? "" : path)
        } else {
            base = "https://\(bucket).s3.\(region).amazonaws.com" + (key.isEmpty ? "/" : path)
        }
        return base + S3Addressing.canonicalQuery(query)
    }

    /// `?a=1&b=&c=x%2Fy`, sorted by key then value, or "" when there is no query.
    public static func canonicalQuery(_ query: [(String, String)]) -> String {
        guard !query.isEmpty else { return "" }
        let encoded = query.map { (encode($0.0), encode($0.1)) }.sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }
        return "?" + encoded.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters, as SigV4 wants.
    public static func encode(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                result += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return result
    }
}
