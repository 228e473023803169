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
    /// Each element of `archives`, in file order.
    public private(set) var entries: [(issue: IssueNumber, range: Range<Int>)] = []

    /// Skims `bytes`; fails as `ArchiveIndex(fileBytes:)` would on a document that is not JSON or
    /// not of the index's shape at the top level. Entries other than the ones decoded later are
    /// checked for grammar and an issue number only.
    public init(_ bytes: [UInt8]) throws(ArchiveIndexFormatError) {
        self.bytes = bytes
        var lastUpdated: Range<Int>?
        var archivesArray: Range<Int>?
        var entries: [(issue: IssueNumber, range: Range<Int>)] = []
        do {
            try bytes.withUnsafeBufferPointer { buffer in
                var skimmer = JSONSkimmer(buffer)
                try skimmer.expect(UInt8(ascii: "{"), "an object: the index is a JSON object")
                if !skimmer.closesAtOnce(UInt8(ascii: "}")) {
                    repeat {
                        let key = try skimmer.skipKey()
                        if skimmer.matches(key, "archives") {
                            guard skimmer.current == UInt8(ascii: "[") else {
                                try skimmer.skipValue()
                                throw ArchiveIndexFormatError.wrongShape("archives: expected an array")
                            }
                            archivesArray = try IndexFileText.skimArchives(&skimmer, into: &entries)
                        } else {
                            let value = try skimmer.skipValue()
                            if skimmer.matches(key, "last_updated") { lastUpdated = value }
                            if skimmer.matches(key, "schema_version") { try IndexFileText.checkVersion(skimmer.bytes[value]) }
                        }
                    } while try skimmer.nextFollows(closing: UInt8(ascii: "}"))
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
        self.lastUpdated = lastUpdated
        self.archivesArray = archivesArray
        self.entries = entries
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
            throw .wrongShape("\(error)")
        }
    }

    /// A new file with no entries, as `ArchiveIndex.fileBytes` writes one.
    public static let empty = try! IndexFileText(ArchiveIndex(lastUpdated: "").fileBytes)

    /// An entry's bytes as the writer indents it in a file: an element of `archives`, two levels in.
    public static func bytes(of entry: ArchiveEntry) -> [UInt8] {
        JSONWriter.prettyUTF8(entry.json, indent: 2, finalNewline: false)
    }

    /// The file's bytes with the issue's entry replaced by `entryBytes` (from `bytes(of:)`; added
    /// in issue order when the file has none, removed when nil) and `last_updated` set to `updated`.
    public func replacing(_ issue: IssueNumber, with entryBytes: [UInt8]?, updated: String) -> [UInt8] {
        let separator = Array(",\n    ".utf8)
        var edits: [(range: Range<Int>, bytes: [UInt8])] = []
        if let updatedAt = lastUpdated {
            edits.append((updatedAt, JSONWriter.prettyUTF8(.string(updated), indent: 0, finalNewline: false)))
        }
        let position = entries.firstIndex { $0.issue == issue }
        switch (position, entryBytes) {
        case (let position?, let entryBytes?):
            edits.append((entries[position].range, entryBytes))
        case (let position?, nil):
            let range = entries[position].range
            if entries.count == 1 {
                edits.append((archivesArray, Array("[]".utf8)))
            } else if position > 0 {
                edits.append((entries[position - 1].range.upperBound..<range.upperBound, []))
            } else {
                edits.append((range.lowerBound..<entries[1].range.lowerBound, []))
            }
        case (nil, let entryBytes?):
            if entries.isEmpty {
                edits.append((archivesArray, Array("[\n    ".utf8) + entryBytes + Array("\n  ]".utf8)))
            } else if let next = entries.first(where: { $0.issue < issue }) {
                edits.append((next.range.lowerBound..<next.range.lowerBound, entryBytes + separator))
            } else {
                let end = entries[entries.count - 1].range.upperBound
                edits.append((end..<end, separator + entryBytes))
            }
        case (nil, nil):
            break
        }
        var result = bytes
        // From the end, so that earlier ranges stay where they were.
        for edit in edits.sorted(by: { $0.range.lowerBound > $1.range.lowerBound }) {
            result.replaceSubrange(edit.range, with: edit.bytes)
        }
        return result
    }

    private static func skimArchives(
        _ skimmer: inout JSONSkimmer, into entries: inout [(issue: IssueNumber, range: Range<Int>)]
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
                let issue = try skimIssueNumber(&skimmer, position: entries.count)
                entries.append((issue, elementStart..<skimmer.position))
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
