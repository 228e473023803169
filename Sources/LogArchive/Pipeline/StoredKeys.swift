/// What a re-run (`--retry`, a run after a crash or an index failure) knows of the keys an earlier
/// entry of the issue names, learnt from one listing of their folder instead of a HEAD per key.
///
/// A listing gives sizes, not checksums. A key counts as holding this log without a HEAD only where
/// the earlier entry records it as a verified upload (`uploaded`, which the index writes only after
/// a read-back) of the same checksum, and the listing still shows it with the same size: the index
/// then claims nothing it did not claim before. Any other listed key of the right size (a run
/// stopped between the upload and its read-back) is asked with a HEAD; a key the listing lacks, or
/// lists with another size, is simply sent. Without a listing (it failed) every earlier key is asked.
struct StoredKeys {
    enum Knowledge: Equatable {
        /// Not stored with these bytes: send it.
        case absent
        /// Stored, and recorded as verified with this checksum: nothing to send or ask.
        case holdsThisLog
        /// Possibly stored: ask the store.
        case unknown
    }

    /// The issue's entry before this run.
    let previous: ArchiveEntry?
    private let earlier: [String: ArchivedLog]
    private let sizes: [String: Int64]?

    /// Lists the issue folders of `keys` that the earlier entry names, once each; a run that
    /// reuses none of them lists nothing.
    init(keys: [String], previous: ArchiveEntry?, store: any ObjectStore) {
        self.previous = previous
        var earlier: [String: ArchivedLog] = [:]
        for log in previous?.logs ?? [] where !log.remotePath.isEmpty { earlier[log.remotePath] = log }
        self.earlier = earlier
        let folders = Set(keys.filter { earlier[$0] != nil }.compactMap(Self.issueFolder(of:)))
        guard !folders.isEmpty else {
            sizes = [:]
            return
        }
        var sizes: [String: Int64]? = [:]
        for folder in folders.sorted() {
            guard let listed = try? store.list(prefix: folder) else {
                sizes = nil
                break
            }
            for object in listed { sizes?[object.key] = object.size }
        }
        self.sizes = sizes
    }

    /// How much of the store's content under `key` is known to be the log with `checksum` and `size`.
    func knowledge(of key: String, checksum: Checksum, size: Int64) -> Knowledge {
        guard let record = earlier[key] else { return .absent }  // no earlier run wrote it
        guard let sizes else { return .unknown }
        guard let listedSize = sizes[key], listedSize == size else { return .absent }
        if record.uploadStatus == .uploaded, record.checksum == checksum.description, record.sizeBytes == size {
            return .holdsThisLog
        }
        return .unknown
    }

    /// Why the store is known to hold `key` with these bytes (the listing and the earlier entry,
    /// or else a HEAD), or nil when it does not, or cannot be asked.
    func holds(_ key: String, checksum: String, size: Int64, store: any ObjectStore) -> String? {
        guard let parsed = Checksum(checksum) else { return nil }
        switch knowledge(of: key, checksum: parsed, size: size) {
        case .absent:
            return nil
        case .holdsThisLog:
            return "the store already holds \(key) with \(checksum) (listed at \(size) bytes, recorded as verified)"
        case .unknown:
            return asked(store, whether: key, holds: parsed, size: size)
        }
    }

    /// A HEAD's answer: why the store holds `key` with these bytes, or nil. An object sent in parts
    /// as it was compressed is known by the composite of its parts the earlier record keeps.
    func asked(_ store: any ObjectStore, whether key: String, holds checksum: Checksum, size: Int64) -> String? {
        let parts = earlier[key].flatMap { $0.checksum == checksum.description ? $0.partsChecksum : nil }
        guard let stored = try? store.head(key: key), stored.holds(size: size, checksum: checksum, parts: parts) else { return nil }
        return "the store already holds \(key) with \(checksum)"
    }

    /// `archive/logs/{yyyy}/{mm}/{issue}/` of a key in the store layout.
    static func issueFolder(of key: String) -> String? {
        let components = key.split(separator: "/", omittingEmptySubsequences: false)
        guard components.count > 5, components[0] == "archive", components[1] == "logs" else { return nil }
        return components.prefix(5).joined(separator: "/") + "/"
    }
}
