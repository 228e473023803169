import Dispatch

/// Reads and writes the archive index, laid out as `IndexLayout` describes, so that it is never
/// half-written, concurrent runs lose nothing, and one issue's read or write touches a fixed
/// number of files whatever the history.
///
/// Locks: the root's lock guards the root and the migration; each shard's lock guards the shard
/// and the own files of its range. A writer that needs both takes the root's first.
public struct IndexStore: Sendable {
    /// The root, `<logs-dir>/.archive-index.json`.
    public let path: String
    /// `<logs-dir>/.archive-index/`.
    public let folder: String
    private let root: IndexFile

    public init(logsDirectory: String) {
        path = Paths.join(logsDirectory, ".archive-index.json")
        folder = Paths.join(logsDirectory, IndexLayout.folderName)
        root = IndexFile(path: path)
    }

    public var lockPath: String { root.lockPath }
    public var backupPath: String { root.backupPath }

    /// The shard of the issue's range: the legacy 100-number file where one exists (its range
    /// stays there, so an entry is never in two shards), else the 25-number one.
    func shard(for issue: IssueNumber) -> IndexFile {
        let legacy = Paths.join(folder, IndexLayout.legacyShardName(for: issue))
        return IndexFile(path: FileSystem.exists(legacy) ? legacy : Paths.join(folder, IndexLayout.shardName(for: issue)))
    }
    func ownFile(for issue: IssueNumber) -> IndexFile { IndexFile(path: Paths.join(folder, IndexLayout.ownFileName(for: issue))) }

    /// The index's files that exist: the root, then the shards and own files in name order.
    public func filePaths() -> [String] {
        var paths = FileSystem.exists(path) ? [path] : []
        let names = (try? FileSystem.contents(of: folder)) ?? []
        paths += names.filter(IndexLayout.isIndexFile).sorted().map { Paths.join(folder, $0) }
        return paths
    }

    /// The file that holds (or will hold) the issue's entry, for a person to open.
    public func filePath(holding issue: IssueNumber) -> String {
        let own = ownFile(for: issue).path
        return FileSystem.exists(own) ? own : shard(for: issue).path
    }

    // MARK: Reading

    /// The issue's entry, reading the root and the issue's shard (and own file if it has one).
    /// A corrupt file of another range does not stand in the way.
    public func entry(for issue: IssueNumber) throws(ArchiveError) -> ArchiveEntry? {
        // Entries still in the root (not yet migrated) are the truth: a migration copies them out
        // before it empties the root. The root is read whole: once migrated it is a few lines, and
        // before that every entry of it must be sound for the migration to move it.
        if let legacy = try root.read() {
            if let invalid = legacy.invalidEntries.first(where: { $0.issue == issue }) { throw invalid.error }
            if let entry = legacy.entry(for: issue) { return entry }
        }
        if let own = try ownFile(for: issue).entry(for: issue) { return own }
        return try shard(for: issue).entry(for: issue)
    }

    /// The entries of `issues` that the index holds, in issue order: each file read once, as the
    /// issues of one shard follow each other.
    public func entries(for issues: Set<IssueNumber>) throws(ArchiveError) -> [ArchiveEntry] {
        var entries: [ArchiveEntry] = []
        for issue in issues.sorted() {
            if let entry = try entry(for: issue) { entries.append(entry) }
        }
        return entries
    }

    /// The whole index, as one: the root's fields and every entry of every file. Files are parsed
    /// concurrently. An unreadable file fails the read, naming the file and its backup.
    public func read() throws(ArchiveError) -> ArchiveIndex {
        let (index, problems) = readAll()
        if let first = problems.first { throw first }
        return index
    }

    /// The whole index, and the files that could not be read: what can be read is still shown.
    public func readAll() -> (index: ArchiveIndex, unreadable: [ArchiveError]) {
        var problems: [ArchiveError] = []
        // The root first: a migration writes the shards before it empties the root, so reading in
        // this order never misses an entry.
        var combined: ArchiveIndex
        do {
            combined = try root.read() ?? ArchiveIndex()
        } catch {
            problems.append(error)
            combined = ArchiveIndex()
        }
        let files = filePaths().filter { $0 != path }.map(IndexFile.init(path:))
        let results = Locked([Result<ArchiveIndex?, ArchiveError>?](repeating: nil, count: files.count))
        DispatchQueue.concurrentPerform(iterations: files.count) { position in
            let result = Result { () throws(ArchiveError) in try files[position].read() }
            results.withLock { $0[position] = result }
        }
        var entries = combined.archives
        var invalid = combined.invalidEntries
        var seen = Set(entries.map(\.issueNumber) + invalid.map(\.issue))
        var lastUpdated = combined.lastUpdated
        // Own files sort before shards ("issue-" < "issues-"): their copy wins, as in `entry(for:)`.
        for result in results.withLock({ $0 }) {
            switch result {
            case .success(let index?):
                for entry in index.archives where seen.insert(entry.issueNumber).inserted { entries.append(entry) }
                invalid += index.invalidEntries.filter { seen.insert($0.issue).inserted }
                if let updated = index.lastUpdated, updated > (lastUpdated ?? "") { lastUpdated = updated }
            case .failure(let error):
                problems.append(error)
            case .success(nil), nil:
                break
            }
        }
        var index = ArchiveIndex(archives: entries, lastUpdated: lastUpdated)
        index.invalidEntries = invalid
        index.schemaVersion = combined.schemaVersion
        index.unknownFields = combined.unknownFields
        return (index, problems)
    }

    /// Every archive, as `status` shows them: complete ones as headlines (their logs skimmed, not
    /// decoded: 100,000 issues read in about a second), partial ones whole, newest issue first;
    /// and the files that could not be read.
    public func overview() -> IndexOverview {
        var overview = IndexOverview()
        var seen = Set<IssueNumber>()
        // The root first, read whole: entries not yet migrated out of it are the truth.
        do {
            let root = try root.read() ?? ArchiveIndex()
            overview.lastUpdated = root.lastUpdated
            for entry in root.archives where seen.insert(entry.issueNumber).inserted { overview.add(entry) }
            overview.invalid += root.invalidEntries.filter { seen.insert($0.issue).inserted }
        } catch {
            overview.unreadable.append(error)
        }
        let files = filePaths().filter { $0 != path }.map(IndexFile.init(path:))
        let results = Locked([Result<IndexOverview, ArchiveError>?](repeating: nil, count: files.count))
        DispatchQueue.concurrentPerform(iterations: files.count) { position in
            let result = Result { () throws(ArchiveError) in try files[position].overview() }
            results.withLock { $0[position] = result }
        }
        // Own files sort before shards ("issue-" < "issues-"): their copy wins, as in `entry(for:)`.
        for result in results.withLock({ $0 }) {
            switch result {
            case .success(let file):
                overview.merge(file, skipping: &seen)
            case .failure(let error):
                overview.unreadable.append(error)
            case nil:
                break
            }
        }
        overview.complete.sort { $0.issueNumber > $1.issueNumber }
        overview.partial.sort { $0.issueNumber > $1.issueNumber }
        return overview
    }

    // MARK: Writing

    /// Applies `change` to the issue's entry (nil when it has none; set nil to remove it) under
    /// the lock of its shard, and writes the one file that holds it. Returns the entry as written.
    ///
    /// An invalid entry of the issue (`InvalidEntry`) fails the update, unless `replacingInvalid`
    /// (`reindex --all`, with the store's entry in hand): `change` then sees none.
    @discardableResult
    public func update(
        issue: IssueNumber, replacingInvalid: Bool = false, _ change: (inout ArchiveEntry?) throws -> Void
    ) throws -> ArchiveEntry? {
        try prepareLayout()
        let shard = shard(for: issue)
        let lock = try IndexLock.acquire(at: shard.lockPath)
        defer { lock.release() }
        let own = ownFile(for: issue)
        let ownText = try own.readText()
        let shardText = try shard.readText()
        let previous =
            try own.entry(issue, in: ownText, invalidAsAbsent: replacingInvalid)
            ?? shard.entry(issue, in: shardText, invalidAsAbsent: replacingInvalid)
        var entry = previous
        try change(&entry)
        // As `ArchiveIndex.upsert`: fields another tool added to the entry are kept.
        if let previous { entry?.unknownFields.appendMissing(from: previous.unknownFields) }
        let now = UTCTimestamp.now().iso8601
        let inShard = shardText?.entries.contains { $0.issue == issue } ?? false

        guard let entry else {
            if ownText != nil { try own.remove() }
            if let shardText, inShard { try shard.write(text: spliced(shardText, issue, nil, now, in: shard)) }
            return nil
        }
        // Serialised once: measured for the choice of file, and spliced in as it is.
        let entryBytes = IndexFileText.bytes(of: entry)
        if ownText != nil || IndexStore.needsOwnFile(hasOne: false, bytes: entryBytes.count) {
            try own.write(text: spliced(ownText ?? .empty, issue, entryBytes, now, in: own))
        } else {
            try shard.write(text: spliced(shardText ?? .empty, issue, entryBytes, now, in: shard))
            return entry
        }
        // Written first, removed from the shard second: a kill between leaves two copies, and the
        // own file's wins.
        if let shardText, inShard { try shard.write(text: spliced(shardText, issue, nil, now, in: shard)) }
        return entry
    }

    /// Fails when the file system holding the index has less room than writing `entry` takes: a
    /// temporary copy of the file that will hold it, beside the old one (whose backup is a hard
    /// link). A run checks it before its uploads, since its one index write comes after them.
    func checkRoomForWriting(_ entry: ArchiveEntry) throws(ArchiveError) {
        let entryBytes = Int64(IndexFileText.bytes(of: entry).count)
        let own = ownFile(for: entry.issueNumber)
        let file = FileSystem.exists(own.path) || IndexStore.needsOwnFile(hasOne: false, bytes: Int(entryBytes)) ? own : shard(for: entry.issueNumber)
        let current = (try? FileStatus.of(file.path))?.size ?? 0
        // The entry, its headline in the summary, and room for the file system's own blocks.
        let needed = current + entryBytes + (64 << 10)
        guard let free = FileSystem.freeBytes(at: folder), free < needed else { return }
        throw .failure(
            "not enough free space to write the archive index: \(file.path) needs about \(ByteCount.format(needed)) and its file system has \(ByteCount.format(free)) free. Free some space and run again"
        )
    }

    /// `text` with the issue's entry replaced, added or removed, its layout worked out from the splice.
    private func spliced(_ text: IndexFileText, _ issue: IssueNumber, _ entryBytes: [UInt8]?, _ updated: String, in file: IndexFile)
        throws(ArchiveError) -> IndexFileText
    {
        do {
            return try text.splicing(issue, with: entryBytes, updated: updated)
        } catch {
            throw .failure("cannot write the archive index \(file.path): the entry of issue \(issue) does not read back (\(error)); the previous index was kept")
        }
    }

    /// Puts `entry` in place of its issue's entry, or adds it.
    public func upsert(_ entry: ArchiveEntry) throws {
        try update(issue: entry.issueNumber) { $0 = entry }
    }

    /// `update(issue:_:)` for many issues at once, under the same rules, writing each file once:
    /// the issues are grouped by shard, and each shard, under its lock, has its own files written
    /// first (an entry with an own file stays there; one over the threshold gets one) and then its
    /// shard file once, with every change spliced in and the entries moved to own files removed. A
    /// kill between the two leaves two copies, and the own file's wins. `change` is called once per
    /// issue, in shard order and within a shard in the order given (an issue given twice sees its
    /// first change). Returns each issue's entry as written.
    @discardableResult
    public func update(
        issues: [IssueNumber], replacingInvalid: Bool = false,
        _ change: (IssueNumber, inout ArchiveEntry?) throws -> Void
    ) throws -> [IssueNumber: ArchiveEntry?] {
        guard !issues.isEmpty else { return [:] }
        try prepareLayout()
        var byShard: [String: [IssueNumber]] = [:]
        // Each range's file looked up once (`shard(for:)` checks for a legacy one).
        var shardPaths: [String: String] = [:]
        for issue in issues {
            let range = IndexLayout.shardName(for: issue)
            let path = shardPaths[range] ?? shard(for: issue).path
            shardPaths[range] = path
            byShard[path, default: []].append(issue)
        }
        var written: [IssueNumber: ArchiveEntry?] = [:]
        for path in byShard.keys.sorted() {
            try updateShard(byShard[path]!, replacingInvalid: replacingInvalid, change, into: &written)
        }
        return written
    }

    /// Puts each entry in place of its issue's entry, or adds it: `upsert(_:)` for each, each file
    /// written once.
    public func upsert(contentsOf entries: [ArchiveEntry]) throws {
        let byIssue = Dictionary(entries.map { ($0.issueNumber, $0) }, uniquingKeysWith: { _, last in last })
        var seen = Set<IssueNumber>()
        let issues = entries.map(\.issueNumber).filter { seen.insert($0).inserted }
        try update(issues: issues) { issue, entry in entry = byIssue[issue] }
    }

    /// The issues of one shard's range, as `update(issues:_:)` describes.
    private func updateShard(
        _ issues: [IssueNumber], replacingInvalid: Bool, _ change: (IssueNumber, inout ArchiveEntry?) throws -> Void,
        into written: inout [IssueNumber: ArchiveEntry?]
    ) throws {
        let shard = shard(for: issues[0])
        let lock = try IndexLock.acquire(at: shard.lockPath)
        defer { lock.release() }
        let shardText = try shard.readText()
        // Per issue: its own file's text as read (nil: none), and what to write where.
        var ownTexts: [IssueNumber: IndexFileText?] = [:]
        var current: [IssueNumber: ArchiveEntry?] = [:]
        var ownWrites: [IssueNumber: [UInt8]?] = [:]
        var shardChanges: [(issue: IssueNumber, bytes: [UInt8]?)] = []
        var inShard = Set(shardText?.entries.map(\.issue) ?? [])
        let now = UTCTimestamp.now().iso8601
        for issue in issues {
            let own = ownFile(for: issue)
            if ownTexts[issue] == nil { ownTexts[issue] = .some(try own.readText()) }
            let hasOwn = ownWrites[issue].map { $0 != nil } ?? (ownTexts[issue]! != nil)
            let previous: ArchiveEntry?
            if let known = current[issue] {
                previous = known
            } else {
                previous =
                    try own.entry(issue, in: ownTexts[issue]!, invalidAsAbsent: replacingInvalid)
                    ?? shard.entry(issue, in: shardText, invalidAsAbsent: replacingInvalid)
            }
            var entry = previous
            try change(issue, &entry)
            if let previous { entry?.unknownFields.appendMissing(from: previous.unknownFields) }
            current[issue] = .some(entry)
            written[issue] = .some(entry)
            guard let entry else {
                if hasOwn { ownWrites[issue] = .some(nil) }
                if inShard.remove(issue) != nil { shardChanges.append((issue, nil)) }
                continue
            }
            let entryBytes = IndexFileText.bytes(of: entry)
            if IndexStore.needsOwnFile(hasOne: hasOwn, bytes: entryBytes.count) {
                ownWrites[issue] = .some(entryBytes)
                if inShard.remove(issue) != nil { shardChanges.append((issue, nil)) }
            } else {
                inShard.insert(issue)
                shardChanges.append((issue, entryBytes))
            }
        }
        // Own files first, the shard second: a kill between leaves two copies, and the own file's wins.
        for issue in issues where ownWrites[issue] != nil {
            guard let bytes = ownWrites.removeValue(forKey: issue) else { continue }
            let own = ownFile(for: issue)
            if let bytes {
                try own.write(bytes: (ownTexts[issue]! ?? .empty).replacing(issue, with: bytes, updated: now))
            } else if ownTexts[issue]! != nil {
                try own.remove()
            }
        }
        guard !shardChanges.isEmpty else { return }
        try shard.write(bytes: (shardText ?? .empty).replacing(shardChanges, updated: now))
    }

    /// Changes the root's own fields (not its entries) under the root's lock.
    public func updateRoot(_ change: (inout ArchiveIndex) throws -> Void) throws {
        try prepareLayout()
        let lock = try IndexLock.acquire(at: root.lockPath)
        defer { lock.release() }
        var index = try root.read() ?? IndexStore.emptyRoot()
        try change(&index)
        index.lastUpdated = UTCTimestamp.now().iso8601
        try root.write(index)
    }

    /// Makes sure the root exists and holds no entries: a single-file index is migrated first.
    func prepareLayout() throws {
        let seen = try? FileStatus.of(path)
        let unlocked = try root.read()
        if let unlocked, unlocked.archives.isEmpty, unlocked.invalidEntries.isEmpty { return }
        let lock = try IndexLock.acquire(at: root.lockPath)
        defer { lock.release() }
        // A single-file index may be hundreds of MB: parsed again only if it changed meanwhile.
        let now = try? FileStatus.of(path)
        let unchanged = seen.flatMap { before in now.map { before.isUnchanged(comparedTo: $0) } } ?? false
        guard let current = unchanged ? unlocked : try root.read() else {
            try createFolder()
            try root.write(IndexStore.emptyRoot())
            return
        }
        guard !current.archives.isEmpty || !current.invalidEntries.isEmpty else { return }
        try migrate(current)
    }

    /// Moves every entry of a single-file root into the shards, then empties the root.
    ///
    /// Crash-safe by its order: each shard is written whole (with the root's copy of an entry
    /// replacing any copy a stopped migration left), and only once every shard is written is the
    /// root rewritten without entries. A kill at any instant leaves every entry in the root (and
    /// maybe in a shard too, identical, which readers skip); the next write starts over.
    private func migrate(_ current: ArchiveIndex) throws {
        try createFolder()
        // Each entry serialised once: measured for the choice of file, and written as it is.
        var byFile: [String: (file: IndexFile, entries: [(issue: IssueNumber, bytes: [UInt8])])] = [:]
        for entry in current.archives {
            let own = ownFile(for: entry.issueNumber)
            let bytes = IndexFileText.bytes(of: entry)
            let file = IndexStore.needsOwnFile(hasOne: FileSystem.exists(own.path), bytes: bytes.count) ? own : shard(for: entry.issueNumber)
            byFile[file.path, default: (file, [])].entries.append((entry.issueNumber, bytes))
        }
        // An invalid entry moves with the others, its values as they were: nothing is dropped or "fixed".
        for invalid in current.invalidEntries {
            let bytes = JSONWriter.prettyUTF8(invalid.json, indent: 2, finalNewline: false)
            let file = shard(for: invalid.issue)
            byFile[file.path, default: (file, [])].entries.append((invalid.issue, bytes))
        }
        let updated = current.lastUpdated ?? UTCTimestamp.now().iso8601
        let files = byFile.keys.sorted().compactMap { byFile[$0] }
        // Files of different ranges have their own locks: written side by side, their serialising
        // and fsyncs overlap (a 100,000-issue index is over a thousand files).
        let failures = Locked<[Error]>([])
        DispatchQueue.concurrentPerform(iterations: files.count) { position in
            let (file, entries) = files[position]
            guard failures.withLock({ $0.isEmpty }) else { return }
            do {
                let shardLock = try IndexLock.acquire(at: shard(for: entries[0].issue).lockPath)
                defer { shardLock.release() }
                // A stopped migration may have left the file: the root's copies replace its entries.
                guard var text = try file.readText(), !text.entries.isEmpty else {
                    try file.write(bytes: IndexFileText.fileBytes(holding: entries, updated: updated))
                    return
                }
                for entry in entries.dropLast() { text = try IndexFileText(text.replacing(entry.issue, with: entry.bytes, updated: updated)) }
                try file.write(bytes: text.replacing(entries[entries.count - 1].issue, with: entries[entries.count - 1].bytes, updated: updated))
            } catch {
                failures.withLock { $0.append(error) }
            }
        }
        if let failure = failures.withLock({ $0.first }) { throw failure }
        var emptied = current
        emptied.removeAll()
        emptied.unknownFields["index_layout"] = IndexLayout.rootDescription
        emptied.lastUpdated = UTCTimestamp.now().iso8601
        try root.write(emptied)
    }

    /// An entry stays in its own file once it has one, and gets one when it is too large to share a shard.
    private static func needsOwnFile(hasOne: Bool, bytes: Int) -> Bool {
        hasOne || bytes > IndexLayout.ownFileThreshold
    }

    private func createFolder() throws(ArchiveError) {
        do {
            try FileSystem.createDirectories(folder)
        } catch {
            throw .failure("cannot create the index folder \(folder): \(error)")
        }
    }

    private static func emptyRoot() -> ArchiveIndex {
        var index = ArchiveIndex(lastUpdated: UTCTimestamp.now().iso8601)
        index.unknownFields["index_layout"] = IndexLayout.rootDescription
        return index
    }
}
