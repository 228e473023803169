/// What one listing of `archive/logs/` says about the archived issues: the size of every stored
/// object, and per issue its folders (`archive/logs/{yyyy}/{mm}/{issue}/`) with or without a
/// `manifest.json`.
struct StoreCatalog: Sendable {
    static let prefix = "archive/logs/"

    /// Bytes of each stored object, by key.
    let sizes: [String: Int64]
    /// Each issue's manifest keys, newest folder first: a later month's run carries the earlier logs.
    let manifests: [IssueNumber: [String]]
    /// Folders that hold logs but no manifest (a run stopped between its uploads and its index
    /// stage), for the issues that have no manifest anywhere: nothing to rebuild their entry from.
    let foldersWithoutManifest: [IssueNumber: [String]]

    init(listing: [ListedObject]) {
        var sizes: [String: Int64] = [:]
        sizes.reserveCapacity(listing.count)
        var manifests: [IssueNumber: [String]] = [:]
        var foldersWithLogs: [IssueNumber: Set<String>] = [:]
        for object in listing {
            sizes[object.key] = object.size
            guard let (issue, folder, name) = StoreCatalog.place(of: object.key) else { continue }
            if name == "manifest.json" {
                manifests[issue, default: []].append(object.key)
            } else if !name.hasPrefix("trace-") {
                foldersWithLogs[issue, default: []].insert(folder)
            }
        }
        self.sizes = sizes
        // `yyyy/mm` are zero-padded, so the keys sort by date.
        self.manifests = manifests.mapValues { $0.sorted(by: >) }
        self.foldersWithoutManifest = foldersWithLogs.filter { manifests[$0.key] == nil }.mapValues { $0.sorted(by: >) }
    }

    /// The issue, its folder and the rest of the key, for a key laid out as the store layout
    /// fixes (`archive/logs/2025/01/123/…`); nil for anything else in the prefix.
    static func place(of key: String) -> (issue: IssueNumber, folder: String, name: String)? {
        let parts = key.split(separator: "/", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "archive", parts[1] == "logs", parts[2].count == 4, parts[3].count == 2,
            parts[2].allSatisfy(\.isASCIIDigit), parts[3].allSatisfy(\.isASCIIDigit),
            let issue = try? IssueNumber(validating: String(parts[4]))
        else { return nil }
        return (issue, parts[0...4].joined(separator: "/") + "/", String(parts[5]))
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
