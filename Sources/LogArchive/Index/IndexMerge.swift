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
}
