import Foundation

/// Small pieces of the sentences the summaries print, worded one way everywhere.
public enum Wording {
    /// How much smaller `after` is than `before`, in words that stay true when it grew:
    /// "72% smaller", "333% larger", "the same size".
    public static func sizeChange(from before: Int64, to after: Int64) -> String {
        guard before > 0, after != before else { return "the same size" }
        let percent = Int((Double(abs(before - after)) * 100 / Double(before)).rounded())
        if percent == 0 { return after < before ? "under 1% smaller" : "under 1% larger" }
        return after < before ? "\(percent)% smaller" : "\(percent)% larger"
    }

    /// Where an entry's logs went, as its `cloud_url`s say: "the local store at /srv/logs",
    /// "S3 (s3://team-logs)", and "cloud storage" only for a store that is one.
    public static func storeName(of entry: ArchiveEntry) -> String {
        guard let url = entry.logs.lazy.compactMap(\.cloudURL).first else { return "the store" }
        if url.hasPrefix("file://") {
            let path = String(url.dropFirst("file://".count))
            let root = path.range(of: "/archive/logs/").map { String(path[..<$0.lowerBound]) } ?? path
            return "the local store at \(root)"
        }
        if url.hasPrefix("s3://") {
            let bucket = url.dropFirst("s3://".count).split(separator: "/").first.map(String.init) ?? ""
            return "S3 (s3://\(bucket))"
        }
        return "cloud storage"
    }

    /// `1 log`, `3 logs`, `2 retries` (with `plural: "retries"`).
    public static func count(_ count: Int, _ word: String, plural: String? = nil) -> String {
        "\(count) \(count == 1 ? word : plural ?? word + "s")"
    }

    /// Text with its control characters written out (`\n`, `\t`, `\u{1B}`), for a name that
    /// must stay on one line of output whatever a file name holds. The one escaping of what a
    /// person reads from the index, a server or git: C0 and C1 controls and DEL (so no ESC, CSI,
    /// BEL, backspace or CR reaches the terminal), the line and paragraph separators, and the
    /// bidirectional marks, embeddings, overrides and isolates (U+200E-F, U+202A-E, U+2066-9,
    /// U+061C) that would show text in another order than it is. A backslash is left as it is, so
    /// escaping twice changes nothing.
    public static func oneLine(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isUnprintable) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if isUnprintable(scalar) {
                    result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }

    /// Untrusted text (an index field, a server's message, git's output) as it may be printed:
    /// credentials in its URLs redacted (`LogRedaction.text`), then escaped to one line (`oneLine`).
    public static func printable(_ text: String) -> String {
        oneLine(LogRedaction.text(text))
    }

    static func isUnprintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// A path as a person in `currentDirectory` would type it: relative when it lies inside.
    public static func path(_ path: String, from currentDirectory: String) -> String {
        Paths.relative(path, to: currentDirectory) ?? path
    }
}
