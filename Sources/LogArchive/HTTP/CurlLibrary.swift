import CCurl

/// The libcurl this binary runs with. Only the HTTP folder talks to libcurl.
public enum CurlLibrary {
    /// `libcurl/7.88.1 OpenSSL/3.0.x zlib/1.2.13 …`, as `logarchive --version` shows it.
    public static var version: String {
        guard let text = curl_version() else { return "libcurl (unknown version)" }
        return String(cString: text)
    }
}
