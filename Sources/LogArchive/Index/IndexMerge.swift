/// The three-way merge of two versions of the index that grew apart from a common one: two CI jobs
/// each archived an issue and committed the index, and the second to push must combine them.
///
/// Entries are merged per issue, so both jobs' entries are kept. An entry that only one side
/// changed takes that side's version; one that both changed (both archived the same issue) takes
/// the later archive, and `local` on a tie. A text merge would not do: the two entries sit next to
/// each other in the sorted array and always conflict.
public enum IndexMerge {
    public static func merge(base: ArchiveIndex?, upstream: ArchiveIndex?, local: ArchiveIndex) -> ArchiveIndex {
        let base = base ?? ArchiveIndex()
        let upstream = upstream ?? ArchiveIndex()
        var issues = Set(base.archives.map(\.issueNumber))
        issues.formUnion(upstream.archives.map(\.issueNumber))
        issues.formUnion(local.archives.map(\.issueNumber))

        var merged: [ArchiveEntry] = []
        for issue in issues {
            let original = base.entry(for: issue)
            let theirs = upstream.entry(for: issue)
            let ours = local.entry(for: issue)
            if let chosen = choose(original: original, upstream: theirs, local: ours) {
                merged.append(chosen)
            }
        }
        var result = ArchiveIndex(archives: merged, lastUpdated: later(upstream.lastUpdated, local.lastUpdated))
        result.schemaVersion = upstream.archives.isEmpty && upstream.lastUpdated == nil ? local.schemaVersion : upstream.schemaVersion
        result.unknownFields = local.unknownFields == base.unknownFields ? upstream.unknownFields : local.unknownFields
        return result
    }

    private static func choose(original: ArchiveEntry?, upstream: ArchiveEntry?, local: ArchiveEntry?) -> ArchiveEntry? {
        if local == original { return upstream }
        if upstream == original { return local }
        // Both sides changed the entry. A deletion on one side loses to a new archive on the other.
        guard let upstream else { return local }
        guard let local else { return upstream }
        return upstream.archivedAt > local.archivedAt ? upstream : local
    }

    /// ISO 8601 UTC timestamps of one format compare as strings.
    private static func later(_ first: String?, _ second: String?) -> String? {
        switch (first, second) {
        case (nil, let other), (let other, nil): return other
        case (let first?, let second?): return max(first, second)
        }
    }

    /// A file of the index that both this job and another that pushed first changed: every entry
    /// of both is kept. Jobs that archived issues of different shards never need this.
    public static func mergeFiles(base: [UInt8]?, upstream: [UInt8]?, local: [UInt8]?) throws -> [UInt8] {
        guard let local else { throw ArchiveError.failure("the local commit removed the index") }
        let merged = IndexMerge.merge(
            base: try base.map { bytes throws(ArchiveIndexFormatError) in try ArchiveIndex(fileBytes: bytes) },
            upstream: try upstream.map { bytes throws(ArchiveIndexFormatError) in try ArchiveIndex(fileBytes: bytes) },
            local: try ArchiveIndex(fileBytes: local))
        return merged.fileBytes
    }
}
