import Glibc

/// An index file's bytes and where each of its entries lies, found by one skim of the text with
/// no value decoded. One issue's entry is decoded alone, and a write replaces only that entry's
/// bytes: a run costs a scan of its shard, not a decode and re-encode of every entry in it.
///
/// A file that `ArchiveIndex.fileBytes` wrote comes out of a splice byte for byte as a full
/// rewrite would write it (a test holds both to that); a file written another way keeps its
/// formatting around the entry that changed.
public struct IndexFileText: Sendable {
    public let bytes: [UInt8]
    /// The `last_updated` value's bytes, quotes included.
    private let lastUpdated: Range<Int>?
    /// The `archives` array, brackets included.
    private let archivesArray: Range<Int>
    /// Where the `archives` member begins (its key's opening quote).
    let archivesKeyStart: Int
    /// The `status_summary` member (`ShardSummary`) with its separator, to be cut out whole, and its value.
    let summaryMember: Range<Int>?
    let summaryValue: Range<Int>?
    /// Each element of `archives`, in file order.
    public private(set) var entries: [(issue: IssueNumber, range: Range<Int>)] = []
    /// With `readingHeadlines`, each entry's headline when it is a complete archive, in the same
    /// skim: nil for a partial one, which `status` decodes whole.
    public private(set) var headlines: [ArchiveHeadline?] = []

    /// Skims `bytes`; fails as `ArchiveIndex(fileBytes:)` would on a document that is not JSON or
    /// not of the index's shape at the top level. Entries other than the ones decoded later are
    /// checked for grammar and an issue number only.
    public init(_ bytes: [UInt8], readingHeadlines: Bool = false) throws(ArchiveIndexFormatError) {
        var lastUpdated: Range<Int>?
        var archivesArray: Range<Int>?
        var archivesKeyStart = 0
        var summaryMember: Range<Int>?
        var summaryValue: Range<Int>?
        var entries: [(issue: IssueNumber, range: Range<Int>)] = []
        var headlines: [ArchiveHeadline?]? = readingHeadlines ? [] : nil
        do {
            try bytes.withUnsafeBufferPointer { buffer in
                var skimmer = JSONSkimmer(buffer)
                try skimmer.expect(UInt8(ascii: "{"), "an object: the index is a JSON object")
                if !skimmer.closesAtOnce(UInt8(ascii: "}")) {
                    // The summary's member runs from its key to the next key, or from the end of
                    // the value before it when it is the last member.
                    var previousValueEnd = skimmer.position
                    var summary: (start: Int, valueEnd: Int, previousValueEnd: Int)?
                    repeat {
                        let key = try skimmer.skipKey()
                        let keyStart = key.lowerBound - 1
                        if let open = summary, summaryMember == nil { summaryMember = open.start..<keyStart }
                        if skimmer.matches(key, "archives") {
                            archivesKeyStart = keyStart
                            guard skimmer.current == UInt8(ascii: "[") else {
                                try skimmer.skipValue()
                                throw ArchiveIndexFormatError.wrongShape("archives: expected an array")
                            }
                            archivesArray = try IndexFileText.skimArchives(&skimmer, into: &entries, headlines: &headlines)
                            previousValueEnd = skimmer.position
                        } else {
                            let value = try skimmer.skipValue()
                            if skimmer.matches(key, ShardSummary.key), summary == nil {
                                summary = (keyStart, value.upperBound, previousValueEnd)
                                summaryValue = value
                            }
                            previousValueEnd = value.upperBound
                            if skimmer.matches(key, "last_updated") { lastUpdated = value }
                            if skimmer.matches(key, "schema_version") { try IndexFileText.checkVersion(skimmer.bytes[value]) }
                        }
                    } while try skimmer.nextFollows(closing: UInt8(ascii: "}"))
                    if let open = summary, summaryMember == nil { summaryMember = open.previousValueEnd..<open.valueEnd }
                }
                skimmer.skipWhitespace()
                guard skimmer.atEnd else { throw skimmer.error("unexpected text after the end of the document") }
            }
        } catch let error as ArchiveIndexFormatError {
            throw error
        } catch {
            throw .notJSON("\(error)")
        }
        guard let archivesArray else { throw .wrongShape("archives: is missing") }
        var seen = Set<IssueNumber>()
        for (position, entry) in entries.enumerated() where !seen.insert(entry.issue).inserted {
            throw .wrongShape("archives[\(position)]: a second entry for issue \(entry.issue); each issue has one entry")
        }
        self.init(
            bytes: bytes, lastUpdated: lastUpdated, archivesArray: archivesArray, archivesKeyStart: archivesKeyStart,
            summaryMember: summaryMember, summaryValue: summaryValue, entries: entries)
        self.headlines = headlines ?? []
    }

    /// A text whose layout is already known: from a splice of a skimmed one.
    init(
        bytes: [UInt8], lastUpdated: Range<Int>?, archivesArray: Range<Int>, archivesKeyStart: Int,
        summaryMember: Range<Int>?, summaryValue: Range<Int>?, entries: [(issue: IssueNumber, range: Range<Int>)]
    ) {
        self.bytes = bytes
        self.lastUpdated = lastUpdated
        self.archivesArray = archivesArray
        self.archivesKeyStart = archivesKeyStart
        self.summaryMember = summaryMember
        self.summaryValue = summaryValue
        self.entries = entries
    }

    /// The same text with `splice` applied, where the caller says what lies where afterwards.
    func spliced(_ splice: TextSplice, summaryMember: Range<Int>?, summaryValue: Range<Int>?) -> IndexFileText {
        IndexFileText(
            bytes: splice.applied(to: bytes), lastUpdated: lastUpdated.map(splice.moved), archivesArray: splice.moved(archivesArray),
            archivesKeyStart: splice.moved(archivesKeyStart), summaryMember: summaryMember, summaryValue: summaryValue,
            entries: entries.map { ($0.issue, splice.moved($0.range)) })
    }

    /// Whether `other` lays out the same bytes the same way: a splice's text against a skim's.
    func sameLayout(as other: IndexFileText) -> Bool {
        bytes == other.bytes && lastUpdated == other.lastUpdated && archivesArray == other.archivesArray
            && archivesKeyStart == other.archivesKeyStart && summaryMember == other.summaryMember
            && summaryValue == other.summaryValue && entries.map(\.issue) == other.entries.map(\.issue)
            && entries.map(\.range) == other.entries.map(\.range)
    }

    /// The file's `last_updated`, when it is a string.
    public var lastUpdatedValue: String? {
        guard let lastUpdated, case .string(let text)? = try? JSONParser.parse(Array(bytes[lastUpdated])) else { return nil }
        return text
    }

    /// The issue's entry, decoded from its bytes alone; nil when the file has none.
    public func entry(for issue: IssueNumber) throws(ArchiveIndexFormatError) -> ArchiveEntry? {
        guard let position = entries.firstIndex(where: { $0.issue == issue }) else { return nil }
        return try decodeEntry(at: position)
    }

    /// The entry at `position` of `entries`, decoded.
    public func decodeEntry(at position: Int) throws(ArchiveIndexFormatError) -> ArchiveEntry {
        let value: JSONValue
        do {
            value = try JSONParser.parse(Array(bytes[entries[position].range]))
        } catch {
            throw .notJSON("\(error)")
        }
        do {
            return try ArchiveEntry(json: value, path: "archives[\(position)]")
        } catch {
            throw ArchiveIndexFormatError(error)
        }
    }

    /// The headline of the entry at `position` when it is a complete archive as the writer writes
    /// it; nil otherwise (`status` then decodes it whole).
    func headline(at position: Int) -> ArchiveHeadline? {
        bytes.withUnsafeBufferPointer { buffer in
            var skimmer = JSONSkimmer(buffer)
            skimmer.position = entries[position].range.lowerBound
            guard let read = try? HeadlineReader.read(&skimmer), read.complete else { return nil }
            return read.headline
        }
    }

    /// Whether the entry at `position` has the same bytes as `range` of `other`.
    func entryBytes(at position: Int, equal range: Range<Int>, of other: IndexFileText) -> Bool {
        let mine = entries[position].range
        guard mine.count == range.count else { return false }
        return bytes.withUnsafeBytes { a in
            other.bytes.withUnsafeBytes { b in memcmp(a.baseAddress! + mine.lowerBound, b.baseAddress! + range.lowerBound, mine.count) == 0 }
        }
    }

    /// A new file with no entries, as `ArchiveIndex.fileBytes` writes one.
    public static let empty = try! IndexFileText(ArchiveIndex(lastUpdated: "").fileBytes)

    /// A new file's bytes, holding `entries` (each from `bytes(of:)`) in the writer's issue order:
    /// what `ArchiveIndex.fileBytes` writes for them, without decoding them again.
    static func fileBytes(holding entries: [(issue: IssueNumber, bytes: [UInt8])], updated: String) -> [UInt8] {
        var archives = Array("[".utf8)
        for (position, entry) in entries.sorted(by: { $0.issue > $1.issue }).enumerated() {
            archives += Array((position > 0 ? ",\n    " : "\n    ").utf8)
            archives += entry.bytes
        }
        archives += Array((entries.isEmpty ? "]" : "\n  ]").utf8)
        // Our own writer's bytes, so the skim cannot fail; the write's parse-back checks them too.
        let shell = try! IndexFileText(ArchiveIndex(lastUpdated: updated).fileBytes)
        var bytes = shell.bytes
        bytes.replaceSubrange(shell.archivesArray, with: archives)
        return bytes
    }

    /// An entry's bytes as the writer indents it in a file: an element of `archives`, two levels in.
    public static func bytes(of entry: ArchiveEntry) -> [UInt8] {
        JSONWriter.prettyUTF8(entry.json, indent: 2, finalNewline: false)
    }

    /// The file's bytes with the issue's entry replaced by `entryBytes` (from `bytes(of:)`; added
    /// in issue order when the file has none, removed when nil) and `last_updated` set to `updated`.
    public func replacing(_ issue: IssueNumber, with entryBytes: [UInt8]?, updated: String) -> [UInt8] {
        splice(issue, with: entryBytes, updated: updated).splice.applied(to: bytes)
    }

    /// `replacing(_:with:updated:)` as a text, with where everything lies worked out from the
    /// splice instead of a skim of the new bytes: only the new entry's bytes are skimmed, so that
    /// an entry that does not read back is caught before it is written.
    func splicing(_ issue: IssueNumber, with entryBytes: [UInt8]?, updated: String) throws(ArchiveIndexFormatError) -> IndexFileText {
        let (splice, inserted) = splice(issue, with: entryBytes, updated: updated)
        if let entryBytes {
            guard try IndexFileText.issueNumber(ofEntry: entryBytes) == issue else {
                throw .wrongShape("the entry written for issue \(issue) names another issue")
            }
        }
        var moved: [(issue: IssueNumber, range: Range<Int>)] = []
        moved.reserveCapacity(entries.count + 1)
        for entry in entries {
            if entry.issue == issue {
                if entryBytes != nil { moved.append((issue, splice.moved(entry.range))) }
            } else {
                moved.append((entry.issue, splice.moved(entry.range)))
            }
        }
        if let inserted, let entryBytes {
            let edit = splice.edits[inserted.edit]
            let start = edit.newStart + inserted.offset
            let position = moved.firstIndex { $0.issue < issue } ?? moved.count
            moved.insert((issue, start..<start + entryBytes.count), at: position)
        }
        return IndexFileText(
            bytes: splice.applied(to: bytes), lastUpdated: lastUpdated.map(splice.moved),
            archivesArray: splice.edits.contains { $0.range == archivesArray } ? splice.moved(archivesArray) : splice.stretched(archivesArray),
            archivesKeyStart: splice.moved(archivesKeyStart), summaryMember: summaryMember.map(splice.moved),
            summaryValue: summaryValue.map(splice.moved), entries: moved)
    }

    /// The edits that replace, add or remove the issue's entry and set `last_updated`; for an
    /// added entry, which edit carries it and where in that edit's bytes it begins.
    private func splice(_ issue: IssueNumber, with entryBytes: [UInt8]?, updated: String)
        -> (splice: TextSplice, inserted: (edit: Int, offset: Int)?)
    {
        let separator = Array(",\n    ".utf8)
        var edits: [TextSplice.Edit] = []
        if let updatedAt = lastUpdated {
            edits.append(.init(range: updatedAt, bytes: JSONWriter.prettyUTF8(.string(updated), indent: 0, finalNewline: false)))
        }
        var inserted: (range: Range<Int>, offset: Int)?
        let position = entries.firstIndex { $0.issue == issue }
        switch (position, entryBytes) {
        case (let position?, let entryBytes?):
            edits.append(.init(range: entries[position].range, bytes: entryBytes))
        case (let position?, nil):
            let range = entries[position].range
            if entries.count == 1 {
                edits.append(.init(range: archivesArray, bytes: Array("[]".utf8)))
            } else if position > 0 {
                edits.append(.init(range: entries[position - 1].range.upperBound..<range.upperBound, bytes: []))
            } else {
                edits.append(.init(range: range.lowerBound..<entries[1].range.lowerBound, bytes: []))
            }
        case (nil, let entryBytes?):
            let opening = Array("[\n    ".utf8)
            if entries.isEmpty {
                edits.append(.init(range: archivesArray, bytes: opening + entryBytes + Array("\n  ]".utf8)))
                inserted = (archivesArray, opening.count)
            } else if let next = entries.first(where: { $0.issue < issue }) {
                let point = next.range.lowerBound..<next.range.lowerBound
                edits.append(.init(range: point, bytes: entryBytes + separator))
                inserted = (point, 0)
            } else {
                let end = entries[entries.count - 1].range.upperBound
                edits.append(.init(range: end..<end, bytes: separator + entryBytes))
                inserted = (end..<end, separator.count)
            }
        case (nil, nil):
            break
        }
        let splice = TextSplice(edits)
        let carrier = inserted.flatMap { inserted in
            splice.edits.firstIndex { $0.range == inserted.range }.map { (edit: $0, offset: inserted.offset) }
        }
        return (splice, carrier)
    }

    /// The `issue_number` of one entry's bytes, which must be one object and nothing else.
    private static func issueNumber(ofEntry entryBytes: [UInt8]) throws(ArchiveIndexFormatError) -> IssueNumber {
        do {
            return try entryBytes.withUnsafeBufferPointer { buffer in
                var skimmer = JSONSkimmer(buffer)
                skimmer.skipWhitespace()
                guard skimmer.current == UInt8(ascii: "{") else { throw ArchiveIndexFormatError.wrongShape("an entry: expected an object") }
                let issue = try skimIssueNumber(&skimmer, position: 0)
                skimmer.skipWhitespace()
                guard skimmer.atEnd else { throw skimmer.error("unexpected text after the entry") }
                return issue
            }
        } catch let error as ArchiveIndexFormatError {
            throw error
        } catch {
            throw .notJSON("\(error)")
        }
    }

    /// The file's bytes after `changes`, applied in order as `replacing(_:with:updated:)` would
    /// apply them one file write at a time, byte for byte, but with one pass over the file: a batch
    /// of a shard's entries costs one copy of it, not one per entry.
    public func replacing(_ changes: [(issue: IssueNumber, bytes: [UInt8]?)], updated: String) -> [UInt8] {
        let standardSeparator = Array(",\n    ".utf8)
        // The array as its pieces: the bytes before the first entry, each entry and the bytes
        // between it and the next, and the bytes after the last. A splice changes only these.
        var opening: [UInt8] = []
        var closing: [UInt8] = []
        var issues = entries.map(\.issue)
        var elements = entries.map { Array(bytes[$0.range]) }
        var separators: [[UInt8]] = []
        if let first = entries.first, let last = entries.last {
            opening = Array(bytes[archivesArray.lowerBound..<first.range.lowerBound])
            closing = Array(bytes[last.range.upperBound..<archivesArray.upperBound])
            separators = zip(entries, entries.dropFirst()).map { Array(bytes[$0.range.upperBound..<$1.range.lowerBound]) }
        }
        var emptied = false
        for change in changes {
            let position = issues.firstIndex(of: change.issue)
            switch (position, change.bytes) {
            case (let position?, let entryBytes?):
                elements[position] = entryBytes
            case (let position?, nil):
                // As the single splice: the separator before it goes, or after it for the first.
                if issues.count > 1 { separators.remove(at: position > 0 ? position - 1 : 0) }
                issues.remove(at: position)
                elements.remove(at: position)
                emptied = issues.isEmpty
            case (nil, let entryBytes?):
                if issues.isEmpty {
                    (opening, closing) = (Array("[\n    ".utf8), Array("\n  ]".utf8))
                    issues = [change.issue]
                    elements = [entryBytes]
                } else if let next = issues.firstIndex(where: { $0 < change.issue }) {
                    issues.insert(change.issue, at: next)
                    elements.insert(entryBytes, at: next)
                    separators.insert(standardSeparator, at: next)
                } else {
                    issues.append(change.issue)
                    elements.append(entryBytes)
                    separators.append(standardSeparator)
                }
            case (nil, nil):
                break
            }
        }
        var array: [UInt8]
        if issues.isEmpty {
            array = emptied ? Array("[]".utf8) : Array(bytes[archivesArray])
        } else {
            array = opening
            for position in elements.indices {
                if position > 0 { array += separators[position - 1] }
                array += elements[position]
            }
            array += closing
        }
        var edits: [(range: Range<Int>, bytes: [UInt8])] = [(archivesArray, array)]
        if let updatedAt = lastUpdated {
            edits.append((updatedAt, JSONWriter.prettyUTF8(.string(updated), indent: 0, finalNewline: false)))
        }
        var result = bytes
        for edit in edits.sorted(by: { $0.range.lowerBound > $1.range.lowerBound }) {
            result.replaceSubrange(edit.range, with: edit.bytes)
        }
        return result
    }

    private static func skimArchives(
        _ skimmer: inout JSONSkimmer, into entries: inout [(issue: IssueNumber, range: Range<Int>)],
        headlines: inout [ArchiveHeadline?]?
    ) throws -> Range<Int> {
        let start = skimmer.position
        skimmer.position += 1
        if !skimmer.closesAtOnce(UInt8(ascii: "]")) {
            repeat {
                skimmer.skipWhitespace()
                guard skimmer.current == UInt8(ascii: "{") else {
                    try skimmer.skipValue()
                    throw ArchiveIndexFormatError.wrongShape("archives[\(entries.count)]: expected an object")
                }
                let elementStart = skimmer.position
                if headlines != nil {
                    // Tried on a copy: an entry the reader does not understand is skimmed again
                    // below, and decoding it later names what is wrong.
                    var attempt = skimmer
                    if let read = try? HeadlineReader.read(&attempt) {
                        skimmer = attempt
                        entries.append((read.headline.issueNumber, elementStart..<skimmer.position))
                        headlines?.append(read.complete ? read.headline : nil)
                        continue
                    }
                }
                let issue = try skimIssueNumber(&skimmer, position: entries.count)
                entries.append((issue, elementStart..<skimmer.position))
                headlines?.append(nil)
            } while try skimmer.nextFollows(closing: UInt8(ascii: "]"))
        }
        return start..<skimmer.position
    }

    /// Skims one entry object and returns its `issue_number`.
    private static func skimIssueNumber(_ skimmer: inout JSONSkimmer, position: Int) throws -> IssueNumber {
        skimmer.position += 1
        var issue: IssueNumber?
        if !skimmer.closesAtOnce(UInt8(ascii: "}")) {
            repeat {
                let key = try skimmer.skipKey()
                let value = try skimmer.skipValue()
                guard skimmer.matches(key, "issue_number") else { continue }
                let parsed = try? JSONParser.parse(Array(skimmer.bytes[value]))
                guard case .string(let text)? = parsed, let number = try? IssueNumber(validating: text) else {
                    throw ArchiveIndexFormatError.wrongShape(
                        "archives[\(position)].issue_number: \(String(decoding: skimmer.bytes[value], as: UTF8.self)) is not a positive integer in a string")
                }
                issue = number
            } while try skimmer.nextFollows(closing: UInt8(ascii: "}"))
        }
        guard let issue else { throw ArchiveIndexFormatError.wrongShape("archives[\(position)].issue_number: is missing") }
        return issue
    }

    private static func checkVersion(_ value: Slice<UnsafeBufferPointer<UInt8>>) throws(ArchiveIndexFormatError) {
        guard case .string(let version)? = try? JSONParser.parse(Array(value)) else {
            throw .wrongShape("schema_version: is not a string")
        }
        guard version.hasPrefix("1.") else {
            throw .wrongShape("schema_version: version \"\(version)\" is not supported (this logarchive reads 1.x)")
        }
    }
}

/// The archives of one or more index files as `status` shows them.
public struct IndexOverview: Sendable {
    public var lastUpdated: String?
    public var complete: [ArchiveHeadline] = []
    /// Archives with a log not in the store, decoded whole: `status` lists each failed file.
    public var partial: [ArchiveEntry] = []
    /// Index files that could not be read: everything else is still shown.
    public var unreadable: [ArchiveError] = []
    /// Entries with a value that does not read: listed as invalid, the others shown.
    public var invalid: [InvalidEntry] = []

    mutating func add(_ entry: ArchiveEntry) {
        if entry.uploadComplete { complete.append(ArchiveHeadline(entry)) } else { partial.append(entry) }
    }

    /// Adds another file's archives, except issues already seen (an own file's copy wins over a
    /// shard's, the root's over both).
    mutating func merge(_ other: IndexOverview, skipping seen: inout Set<IssueNumber>) {
        complete += other.complete.filter { seen.insert($0.issueNumber).inserted }
        partial += other.partial.filter { seen.insert($0.issueNumber).inserted }
        invalid += other.invalid.filter { seen.insert($0.issue).inserted }
        if let updated = other.lastUpdated, updated > (lastUpdated ?? "") { lastUpdated = updated }
    }
}

/// A complete archive as `status` lists it: what `ArchiveEntry` says of it, without its logs.
public struct ArchiveHeadline: Sendable, Equatable {
    public var issueNumber: IssueNumber
    public var issueURL: String?
    public var issueTitle: String?
    public var archivedAt: String = ""
    public var archiveReason: ArchiveReason = .manual
    public var totalLogs = 0
    /// Bytes stored: the sum of what was uploaded.
    public var totalSizeBytes: Int64 = 0
    public var totalOriginalBytes: Int64 = 0

    public init(issueNumber: IssueNumber) {
        self.issueNumber = issueNumber
    }

    public init(_ entry: ArchiveEntry) {
        issueNumber = entry.issueNumber
        issueURL = entry.issueURL
        issueTitle = entry.issueTitle
        archivedAt = entry.archivedAt
        archiveReason = entry.archiveReason
        totalLogs = entry.totalLogs
        totalSizeBytes = entry.totalSizeBytes
        totalOriginalBytes = entry.totalOriginalBytes
    }

    /// As `ArchiveEntry.compressionRatio`.
    public var compressionRatio: Double? {
        guard totalOriginalBytes > 0 else { return nil }
        return (Double(totalSizeBytes) / Double(totalOriginalBytes) * 100).rounded() / 100
    }
}

/// Reads an entry's headline fields while skimming past everything else.
private enum HeadlineReader {
    struct NotAHeadline: Error {}

    /// An entry's headline, and whether all its logs are uploaded; throws where the entry is not
    /// as the writer writes it (the caller then skims and decodes it the thorough way).
    static func read(_ skimmer: inout JSONSkimmer) throws -> (headline: ArchiveHeadline, complete: Bool) {
        var issue: IssueNumber?
        var headline = ArchiveHeadline(issueNumber: IssueNumber(exactly: 1)!)
        var complete = true
        skimmer.position += 1
        if skimmer.closesAtOnce(UInt8(ascii: "}")) { throw NotAHeadline() }
        repeat {
            let key = try skimmer.skipKey()
            if skimmer.matches(key, "logs") {
                try readLogs(&skimmer, into: &headline, complete: &complete)
                continue
            }
            let value = try skimmer.skipValue()
            if skimmer.matches(key, "issue_number") {
                guard let text = try optionalString(value, in: skimmer) else { throw NotAHeadline() }
                issue = try IssueNumber(validating: text)
            } else if skimmer.matches(key, "issue_url") {
                headline.issueURL = try optionalString(value, in: skimmer)
            } else if skimmer.matches(key, "issue_title") {
                headline.issueTitle = try optionalString(value, in: skimmer)
            } else if skimmer.matches(key, "archived_at") {
                headline.archivedAt = try optionalString(value, in: skimmer) ?? ""
            } else if skimmer.matches(key, "archive_reason") {
                guard let reason = try optionalString(value, in: skimmer).map(ArchiveReason.init(rawValue:)) else { continue }
                guard let reason else { throw NotAHeadline() }
                headline.archiveReason = reason
            }
        } while try skimmer.nextFollows(closing: UInt8(ascii: "}"))
        guard let issue else { throw NotAHeadline() }
        headline.issueNumber = issue
        return (headline, complete)
    }

    private static func readLogs(_ skimmer: inout JSONSkimmer, into headline: inout ArchiveHeadline, complete: inout Bool) throws {
        guard skimmer.current == UInt8(ascii: "[") else { throw NotAHeadline() }
        skimmer.position += 1
        if skimmer.closesAtOnce(UInt8(ascii: "]")) { return }
        repeat {
            skimmer.skipWhitespace()
            guard skimmer.current == UInt8(ascii: "{") else { throw NotAHeadline() }
            skimmer.position += 1
            var size: Int64 = 0
            var original: Int64?
            if !skimmer.closesAtOnce(UInt8(ascii: "}")) {
                repeat {
                    let key = try skimmer.skipKey()
                    let value = try skimmer.skipValue()
                    if skimmer.matches(key, "upload_status") {
                        // Entries of the original workflow have no status: they were written only
                        // once every upload had succeeded.
                        if !skimmer.matches(value, "\"uploaded\"") && !skimmer.matches(value, "null") { complete = false }
                    } else if skimmer.matches(key, "size_bytes") {
                        size = try integer(value, in: skimmer) ?? 0
                    } else if skimmer.matches(key, "original_size_bytes") {
                        original = try integer(value, in: skimmer)
                    }
                } while try skimmer.nextFollows(closing: UInt8(ascii: "}"))
            }
            headline.totalLogs += 1
            headline.totalSizeBytes += size
            headline.totalOriginalBytes += original ?? size
        } while try skimmer.nextFollows(closing: UInt8(ascii: "]"))
    }

    private static func optionalString(_ value: Range<Int>, in skimmer: JSONSkimmer) throws -> String? {
        let raw = skimmer.bytes[value]
        if skimmer.matches(value, "null") { return nil }
        guard raw.first == UInt8(ascii: "\"") else { throw NotAHeadline() }
        guard raw.contains(UInt8(ascii: "\\")) || raw.contains(where: { $0 >= 0x80 }) else {
            return String(decoding: raw.dropFirst().dropLast(), as: UTF8.self)
        }
        guard case .string(let text) = try JSONParser.parse(Array(raw)) else { throw NotAHeadline() }
        return text
    }

    private static func integer(_ value: Range<Int>, in skimmer: JSONSkimmer) throws -> Int64? {
        if skimmer.matches(value, "null") { return nil }
        var result: Int64 = 0
        for byte in skimmer.bytes[value] {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { throw NotAHeadline() }
            let (times10, overflow) = result.multipliedReportingOverflow(by: 10)
            let (sum, carried) = times10.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflow, !carried else { throw NotAHeadline() }
            result = sum
        }
        return result
    }
}
