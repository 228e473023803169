/// What `status` lists of a shard's archives, kept at the top of the shard: `status` at 100,000
/// issues of 30 logs reads a few kilobytes of each of its 1,000 files instead of 2 GB of entries.
///
/// It is derived data. Every write of a file in the index folder computes it again from the
/// entries, and a reader trusts it only while `file_bytes` equals the file's size: a file edited or
/// reformatted by another tool changes length, and is then read the thorough way.
///
///     "status_summary": {"file_bytes": 2213437, "headlines": [
///       {"issue_number":"199","complete":true,"archived_at":"…",…},
///       …
///     ]},
enum ShardSummary {
    static let key: StaticString = "status_summary"
    /// A summary of 100 entries (a legacy shard's) with long titles stays well within this; a
    /// longer one is not trusted.
    static let prefixLimit = 256 << 10

    /// `bytes`, an index file's, with its summary written just before `archives` (an old one
    /// removed first). `previous`, the file as it stands, lends the headlines of the entries whose
    /// bytes did not change, so a write reads only the entries it changed.
    static func stamped(_ bytes: [UInt8], previous: IndexFileText? = nil) throws(ArchiveIndexFormatError) -> [UInt8] {
        stamped(try IndexFileText(bytes), previous: previous).bytes
    }

    /// `stamped(_:previous:)` of a text whose layout is known, with the new layout worked out
    /// from the splice rather than skimmed again.
    static func stamped(_ text: IndexFileText, previous: IndexFileText? = nil) -> IndexFileText {
        let known = previous.flatMap(trustedHeadlines(of:)) ?? [:]
        var headlines: [JSONValue] = []
        for (position, entry) in text.entries.enumerated() {
            if let previous, let old = known[entry.issue], text.entryBytes(at: position, equal: old.range, of: previous) {
                headlines.append(old.headline)
            } else if let headline = text.headline(at: position) {
                headlines.append(json(of: headline))
            } else {
                // Partial (or not as the writer writes it): `status` decodes it whole.
                headlines.append(.object(JSONObject([("issue_number", .string(entry.issue.description)), ("complete", .bool(false))])))
            }
        }
        // The summary holds the file's size, which includes the summary: the digits of the size
        // are found by trying each count in turn (one or two tries).
        // The headlines are serialised once; only the size's digits are tried.
        let head = Array("\"\(key)\": {\"file_bytes\": ".utf8)
        let tail = headlinesBytes(headlines)
        let base = text.bytes.count - (text.summaryMember?.count ?? 0) + head.count + tail.count
        var digits = String(base).count
        while String(base + digits).count != digits { digits += 1 }
        let member = head + Array(String(base + digits).utf8) + tail
        var edits = [TextSplice.Edit(range: text.archivesKeyStart..<text.archivesKeyStart, bytes: member)]
        if let old = text.summaryMember { edits.append(.init(range: old, bytes: [])) }
        let splice = TextSplice(edits)
        let start = splice.edits.first { !$0.bytes.isEmpty }!.newStart
        let valueStart = start + Array("\"\(key)\": ".utf8).count
        let separator = Array(",\n  ".utf8).count
        return text.spliced(splice, summaryMember: start..<start + member.count, summaryValue: valueStart..<start + member.count - separator)
    }

    /// The headlines a file's own summary gives, with where each entry lies, when the summary can
    /// be trusted (its recorded size is the file's).
    private static func trustedHeadlines(of text: IndexFileText) -> [IssueNumber: (range: Range<Int>, headline: JSONValue)]? {
        guard let value = text.summaryValue, case .object(let summary)? = try? JSONParser.parse(Array(text.bytes[value])),
            case .integer(let size)? = summary["file_bytes"], size == text.bytes.count,
            case .array(let headlines)? = summary["headlines"], headlines.count == text.entries.count
        else { return nil }
        var known: [IssueNumber: (range: Range<Int>, headline: JSONValue)] = [:]
        for (entry, headline) in zip(text.entries, headlines) {
            guard case .object(let object) = headline, object["issue_number"] == .string(entry.issue.description) else { return nil }
            known[entry.issue] = (entry.range, headline)
        }
        return known
    }

    /// The overview of the file at `path` from its first bytes alone; nil when the file has no
    /// summary that can be trusted, or lists a partial archive (which `status` shows whole).
    static func overview(readingPrefixOf path: String) -> IndexOverview? {
        guard let file = try? PosixFile.openForReading(path) else { return nil }
        defer { try? file.close() }
        guard let size = try? file.status().size else { return nil }
        // A summary of 25 headlines is a few kilobytes: most files are read no further than that.
        var found = prefix(of: file, size: size, limit: firstPrefix).map(readSummary)
        if case .cutShort? = found, size > firstPrefix {
            found = prefix(of: file, size: size, limit: prefixLimit).map(readSummary)
        }
        guard case .found(let summary, let lastUpdated)? = found else { return nil }
        guard case .object(let object) = summary, case .integer(let fileBytes)? = object["file_bytes"], fileBytes == size,
            case .array(let elements)? = object["headlines"]
        else { return nil }
        var overview = IndexOverview()
        overview.lastUpdated = lastUpdated
        for element in elements {
            guard let headline = headline(from: element) else { return nil }
            overview.complete.append(headline)
        }
        return overview
    }

    /// What is read first of each file for `status`.
    private static let firstPrefix = 16 << 10

    /// The file's first `limit` bytes (all of a smaller file); nil when it reads short of its size.
    private static func prefix(of file: PosixFile, size: Int64, limit: Int) -> [UInt8]? {
        let count = Int(min(size, Int64(limit)))
        guard let bytes = try? file.readPrefix(count), bytes.count == count else { return nil }
        return bytes
    }

    private enum PrefixSummary {
        case found(JSONValue, lastUpdated: String?)
        /// `archives` comes first, or the file is not an object: no summary to trust.
        case absent
        /// The prefix ends before the summary does: a longer one may hold it.
        case cutShort
    }

    /// The summary's value and `last_updated`, when both lie in `prefix` before `archives`.
    private static func readSummary(_ prefix: [UInt8]) -> PrefixSummary {
        prefix.withUnsafeBufferPointer { buffer -> PrefixSummary in
            var skimmer = JSONSkimmer(buffer)
            var lastUpdated: String?
            do {
                try skimmer.expect(UInt8(ascii: "{"), "an object")
                repeat {
                    let key = try skimmer.skipKey()
                    if skimmer.matches(key, "archives") { return .absent }
                    let value = try skimmer.skipValue()
                    if skimmer.matches(key, "last_updated"), case .string(let text)? = try? JSONParser.parse(Array(buffer[value])) {
                        lastUpdated = text
                    }
                    if skimmer.matches(key, ShardSummary.key) {
                        return .found(try JSONParser.parse(Array(buffer[value])), lastUpdated: lastUpdated)
                    }
                } while try skimmer.nextFollows(closing: UInt8(ascii: "}"))
            } catch {
                return .cutShort
            }
            return .absent
        }
    }

    private static func json(of headline: ArchiveHeadline) -> JSONValue {
        .object(
            JSONObject([
                ("issue_number", .string(headline.issueNumber.description)),
                ("complete", .bool(true)),
                ("archived_at", .string(headline.archivedAt)),
                ("archive_reason", .string(headline.archiveReason.rawValue)),
                ("total_logs", .integer(Int64(headline.totalLogs))),
                ("total_size_bytes", .integer(headline.totalSizeBytes)),
                ("total_original_bytes", .integer(headline.totalOriginalBytes)),
                ("issue_title", JSONValue(headline.issueTitle)),
                ("issue_url", JSONValue(headline.issueURL)),
            ]))
    }

    private static func headline(from value: JSONValue) -> ArchiveHeadline? {
        guard case .object(let object) = value, case .bool(true)? = object["complete"],
            case .string(let number)? = object["issue_number"], let issue = try? IssueNumber(validating: number),
            case .string(let archivedAt)? = object["archived_at"],
            case .string(let reasonText)? = object["archive_reason"], let reason = ArchiveReason(rawValue: reasonText),
            case .integer(let logs)? = object["total_logs"], case .integer(let size)? = object["total_size_bytes"],
            case .integer(let original)? = object["total_original_bytes"]
        else { return nil }
        var headline = ArchiveHeadline(issueNumber: issue)
        headline.archivedAt = archivedAt
        headline.archiveReason = reason
        headline.totalLogs = Int(logs)
        headline.totalSizeBytes = size
        headline.totalOriginalBytes = original
        if case .string(let title)? = object["issue_title"] { headline.issueTitle = title }
        if case .string(let url)? = object["issue_url"] { headline.issueURL = url }
        return headline
    }

    /// `, "headlines": [ … ]},\n  `: the summary after its size, one headline per line, up to where
    /// the `archives` key begins.
    private static func headlinesBytes(_ headlines: [JSONValue]) -> [UInt8] {
        var bytes = Array(", \"headlines\": [".utf8)
        for (position, headline) in headlines.enumerated() {
            bytes += Array((position > 0 ? ",\n    " : "\n    ").utf8)
            bytes += Array(JSONWriter.compact(headline).utf8)
        }
        bytes += Array((headlines.isEmpty ? "]},\n  " : "\n  ]},\n  ").utf8)
        return bytes
    }
}
