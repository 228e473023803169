/// One file of the index, the root or a shard, read and written under the design's rules: the
/// caller holds the file's lock; the old file is kept as `.backup`, the new one written to
/// `.tmp` in the same folder, fsynced, parsed back, renamed over, and the folder fsynced. On any
/// failure the backup is put back, so the file is always either the old one or the new one.
struct IndexFile: Sendable {
    let path: String

    var lockPath: String { path + ".lock" }
    var backupPath: String { path + ".backup" }
    var temporaryPath: String { path + ".tmp" }
    /// Files in the index folder carry a `ShardSummary`; the root, read whole, does not.
    var carriesSummary: Bool {
        let folder = Paths.parent(of: path)
        return folder == IndexLayout.folderName || folder.hasSuffix("/" + IndexLayout.folderName)
    }

    /// The file's index; nil when there is no file.
    func read() throws(ArchiveError) -> ArchiveIndex? {
        let before = try? FileStatus.of(path)
        if let before, let known = IndexFile.recentIndex(path, before) { return known }
        guard let bytes = try readBytes() else { return nil }
        var index: ArchiveIndex
        do {
            index = try ArchiveIndex(fileBytes: bytes)
        } catch {
            throw corrupt(error.description)
        }
        for position in index.invalidEntries.indices { index.invalidEntries[position].file = path }
        if let before, let after = try? FileStatus.of(path), before.isUnchanged(comparedTo: after) {
            IndexFile.remember(index, of: path, status: after)
        }
        return index
    }

    /// The file skimmed for where its entries lie, none decoded; nil when there is no file.
    func readText() throws(ArchiveError) -> IndexFileText? {
        let before = try? FileStatus.of(path)
        if let before, let known = IndexFile.recentText(path, before) { return known }
        guard let bytes = try readBytes() else { return nil }
        let text: IndexFileText
        do {
            text = try IndexFileText(bytes)
        } catch {
            throw corrupt(error.description)
        }
        // Kept only when the file did not change while it was read.
        if let before, let after = try? FileStatus.of(path), before.isUnchanged(comparedTo: after) {
            IndexFile.remember(text, of: path, status: after)
        }
        return text
    }

    /// The file's archives as `status` shows them; empty when there is no file.
    func overview() throws(ArchiveError) -> IndexOverview {
        if carriesSummary, let summarised = ShardSummary.overview(readingPrefixOf: path) { return summarised }
        var overview = IndexOverview()
        guard let bytes = try readBytes() else { return overview }
        let text: IndexFileText
        do {
            text = try IndexFileText(bytes, readingHeadlines: true)
        } catch {
            throw corrupt(error.description)
        }
        overview.lastUpdated = text.lastUpdatedValue
        for position in text.entries.indices {
            if let headline = text.headlines[position] {
                overview.complete.append(headline)
            } else {
                switch try decoded(at: position, of: text) {
                case .entry(let entry): overview.add(entry)
                case .invalid(let invalid): overview.invalid.append(invalid)
                }
            }
        }
        return overview
    }

    /// The last text read or written of each file, while the file is unchanged since: an archive
    /// reads its shard, then writes it twice, and each write starts by reading it again under the
    /// lock. Every writer replaces the file by rename, so a new inode, size or time means new bytes.
    private static let recentTexts = Locked<[String: (status: FileStatus, text: IndexFileText)]>([:])
    private static let recentTextsLimit = 8
    /// The same for a file read whole: a single-file index of 100,000 issues takes seconds to
    /// decode, and a run reads it to find its issue, then again to migrate it.
    private static let recentIndexes = Locked<[String: (status: FileStatus, index: ArchiveIndex)]>([:])

    private static func recentIndex(_ path: String, _ status: FileStatus) -> ArchiveIndex? {
        recentIndexes.withLock { indexes in
            guard let known = indexes[path], known.status.isUnchanged(comparedTo: status) else { return nil }
            return known.index
        }
    }

    private static func remember(_ index: ArchiveIndex, of path: String, status: FileStatus) {
        recentIndexes.withLock { indexes in
            if indexes[path] == nil, indexes.count >= recentTextsLimit { indexes.removeAll() }
            indexes[path] = (status, index)
        }
    }

    private static func recentText(_ path: String, _ status: FileStatus) -> IndexFileText? {
        recentTexts.withLock { texts in
            guard let known = texts[path], known.status.isUnchanged(comparedTo: status) else { return nil }
            return known.text
        }
    }

    private static func remember(_ text: IndexFileText?, of path: String, status: FileStatus?) {
        // Whatever changes a file makes its decoded copy stale.
        recentIndexes.withLock { $0[path] = nil }
        recentTexts.withLock { texts in
            guard let text, let status else {
                texts[path] = nil
                return
            }
            if texts[path] == nil, texts.count >= recentTextsLimit { texts.removeAll() }
            texts[path] = (status, text)
        }
    }

    /// The issue's entry alone, decoded from its bytes in the file.
    func entry(for issue: IssueNumber) throws(ArchiveError) -> ArchiveEntry? {
        try entry(issue, in: readText())
    }

    /// The issue's entry in `text`, this file's skimmed bytes. An entry with a value that does not
    /// read fails only its own issue (`InvalidEntry`); with `invalidAsAbsent` it reads as none,
    /// for `reindex --all` to write the store's entry in its place.
    func entry(_ issue: IssueNumber, in text: IndexFileText?, invalidAsAbsent: Bool = false) throws(ArchiveError)
        -> ArchiveEntry?
    {
        guard let text, let position = text.entries.firstIndex(where: { $0.issue == issue }) else { return nil }
        switch try decoded(at: position, of: text) {
        case .entry(let entry): return entry
        case .invalid(let invalid):
            if invalidAsAbsent { return nil }
            throw invalid.error
        }
    }

    enum Decoded {
        case entry(ArchiveEntry)
        case invalid(InvalidEntry)
    }

    /// The entry at `position`, or what is wrong with it when it is JSON with a readable issue
    /// number but a value that does not read. Anything else (not JSON, no issue number) fails the file.
    func decoded(at position: Int, of text: IndexFileText) throws(ArchiveError) -> Decoded {
        let value: JSONValue
        do {
            value = try JSONParser.parse(Array(text.bytes[text.entries[position].range]))
        } catch {
            throw corrupt(ArchiveIndexFormatError.notJSON("\(error)").description)
        }
        do {
            return .entry(try ArchiveEntry(json: value, path: "archives[\(position)]"))
        } catch {
            guard let issue = InvalidEntry.issue(of: value) else {
                throw corrupt(ArchiveIndexFormatError(error).description)
            }
            var invalid = InvalidEntry(issue: issue, json: value, problem: error)
            invalid.file = path
            return .invalid(invalid)
        }
    }

    /// The file's bytes; nil when there is no file, or when it holds nothing (0 bytes, blanks, or
    /// `{}`, as a person or a script may create it to start afresh): that is an empty index.
    private func readBytes() throws(ArchiveError) -> [UInt8]? {
        guard FileSystem.exists(path) else { return nil }
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readAll(path, limit: 1 << 30)
        } catch {
            throw .failure("cannot read the archive index \(path): \(error)")
        }
        guard bytes.count < 64 else { return bytes }
        let meaningful = bytes.filter { ![0x20, 0x0A, 0x0D, 0x09].contains($0) }
        return meaningful.isEmpty || meaningful == Array("{}".utf8) ? nil : bytes
    }

    /// The error for a file that does not read as an index: names it and its backup, and says
    /// nothing was changed.
    func corrupt(_ problem: String) -> ArchiveError {
        let backupNote =
            FileSystem.exists(backupPath)
            ? "a backup from the last write is at \(backupPath)"
            : "there is no backup at \(backupPath)"
        return .failure(
            "the archive index \(path) \(problem). It was left untouched; \(backupNote). Repair or restore it, or move it aside and rebuild it from the store with `logarchive reindex --all` (one issue: `logarchive <issue> --reindex-only`), then run again."
        )
    }

    /// Writes `index` in place of the file. The caller holds `lockPath`.
    func write(_ index: ArchiveIndex) throws(ArchiveError) {
        try write(bytes: index.fileBytes)
    }

    /// Writes `bytes` in place of the file. The caller holds `lockPath`.
    func write(bytes: [UInt8]) throws(ArchiveError) {
        let text: IndexFileText
        do {
            text = try IndexFileText(bytes)
        } catch {
            throw .failure("cannot write the archive index \(path): the new text does not read as an index (\(error)); the previous index was kept")
        }
        try write(text: text)
    }

    /// Writes `text` in place of the file: skimmed, or spliced from this file's last text, so where
    /// its entries lie is known and the parse-back compares bytes without skimming them again. The
    /// caller holds `lockPath`.
    func write(text unstamped: IndexFileText) throws(ArchiveError) {
        let hadFile = FileSystem.exists(path)
        do {
            let previous = (try? FileStatus.of(path)).flatMap { IndexFile.recentText(path, $0) }
            let text = carriesSummary ? ShardSummary.stamped(unstamped, previous: previous) : unstamped
            if hadFile {
                try FileSystem.linkOrCopy(path, to: backupPath)
            }
            try FaultPoint.indexAfterBackup.reach()
            FileSystem.removeIfPresent(temporaryPath)
            let temporary = try PosixFile.createExclusive(temporaryPath)
            try temporary.write(text.bytes)
            try temporary.sync()
            try temporary.close()
            try FaultPoint.indexAfterTemporaryWrite.reach()
            try verifyReadsBack(text.bytes)
            try FileSystem.rename(temporaryPath, to: path)
            IndexFile.remember(text, of: path, status: try? FileStatus.of(path))
            try FaultPoint.indexAfterRename.reach()
            try FileSystem.syncDirectory(Paths.parent(of: path))
        } catch {
            IndexFile.remember(nil, of: path, status: nil)
            restore(hadFile: hadFile)
            throw .failure("cannot write the archive index \(path): \(error); the previous index was kept")
        }
        FileSystem.removeIfPresent(backupPath)
    }

    /// Removes the file (an entry moved out of it left it empty). The caller holds `lockPath`.
    func remove() throws(ArchiveError) {
        IndexFile.remember(nil, of: path, status: nil)
        do {
            try FileSystem.remove(path)
            try FileSystem.syncDirectory(Paths.parent(of: path))
        } catch {
            throw .failure("cannot remove the emptied index file \(path): \(error)")
        }
    }

    /// The file on disk must hold exactly what we meant to write before it replaces the old one.
    /// What was meant reads as an index: its grammar and shape were checked by a skim, or it was
    /// spliced from a skimmed file with entries that were skimmed on their own.
    private func verifyReadsBack(_ expected: [UInt8]) throws(FileSystemError) {
        guard try FileSystem.contentEquals(temporaryPath, expected) else {
            throw FileSystemError("verify (the written index does not read back)", path: temporaryPath, errorNumber: 5)
        }
    }

    private func restore(hadFile: Bool) {
        FileSystem.removeIfPresent(temporaryPath)
        if hadFile {
            // rename is atomic: the file is either the new one or the backup, never a mix.
            if (try? FileSystem.rename(backupPath, to: path)) != nil {
                try? FileSystem.syncDirectory(Paths.parent(of: path))
            }
        } else {
            FileSystem.removeIfPresent(path)
        }
    }
}
