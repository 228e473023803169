import Crypto
import Logging

import Glibc

/// Keeps an SQLite log table from bloating: when the table is over the threshold, streams the rows
/// up to a cutoff into a gzip-compressed JSON array beside the database, proves the archive reads
/// back to exactly what was written, and only then deletes exactly those rows.
///
/// Rows are read in one read transaction (a consistent snapshot; in WAL mode writers keep going),
/// one at a time through a cursor. The purge runs in one `BEGIN IMMEDIATE` transaction that first
/// checks that the rows matching the cutoff are still the ones archived (same count, same sum of
/// rowids); if another process changed them, nothing is purged and the archive is removed.
public struct TableArchiver: Sendable {
    private let now: @Sendable () -> UTCTimestamp
    /// Hears each decision at debug: the table's size against the threshold, the rows archived,
    /// the check of the archive, the purge.
    private let logger: Logger

    public init(now: @escaping @Sendable () -> UTCTimestamp = UTCTimestamp.now, logger: Logger = .discarding) {
        self.now = now
        self.logger = logger
    }

    public func archive(_ request: TableArchiveRequest) throws(ArchiveError) -> TableArchiveReport {
        do {
            return try run(request)
        } catch let error as ArchiveError {
            throw error
        } catch let error as SQLiteError {
            throw ArchiveError.failure("database error: \(error)")
        } catch let error as FileSystemError {
            throw ArchiveError.failure("archive failed: \(error)")
        } catch {
            throw ArchiveError.failure("archive failed: \(error)")
        }
    }

    private func run(_ request: TableArchiveRequest) throws -> TableArchiveReport {
        let cutoffTime = try request.olderThan.map(Self.parseCutoff)
        let databasePath = request.databasePath
        guard FileSystem.exists(databasePath) else { throw ArchiveError.badInput("no database at \(databasePath)") }
        let database: SQLiteDatabase
        do {
            database = try SQLiteDatabase(openingExisting: databasePath)
        } catch {
            throw ArchiveError.badInput("cannot open the database \(databasePath): \(error.message)")
        }
        let table = try TableShape(reading: request.table, in: database, cutoffGiven: cutoffTime != nil)
        let redacted = [TableArchiveRequest.alwaysRedactedColumn] + request.redactedColumns
        for name in request.redactedColumns where !table.columns.contains(name) {
            throw ArchiveError.badInput("no column '\(name)' in table '\(request.table)' (given to --redact-column)")
        }
        let redactedPresent = table.columns.filter { redacted.contains($0) }

        let tableBytes = try table.sizeInBytes()
        let directory = request.archiveDirectory ?? Paths.parent(of: databasePath)
        let recordPath = PurgeRecord.path(directory: directory, databasePath: databasePath, table: request.table)
        if let record = PurgeRecord.read(recordPath) {
            logger.debug("db-archive: a purge stopped before it committed left \(recordPath): finishing it first")
            if let finished = try finishInterruptedPurge(record, recordPath: recordPath, table: table, request: request, tableBytes: tableBytes) {
                return finished
            }
        }
        var report = TableArchiveReport(
            outcome: .belowThreshold, databasePath: databasePath, table: request.table, tableBytes: tableBytes,
            threshold: request.threshold)
        report.olderThan = cutoffTime
        report.redactedColumns = redactedPresent
        guard tableBytes > request.threshold else {
            logger.debug("db-archive: table '\(request.table)' is \(tableBytes) bytes, not over the \(request.threshold)-byte threshold: nothing to do")
            return report
        }
        logger.debug(
            "db-archive: table '\(request.table)' is \(tableBytes) bytes, over the \(request.threshold)-byte threshold: archiving rows \(cutoffTime.map { "older than \($0.iso8601)" } ?? "up to the newest")",
            metadata: ["redacted_columns": "\(redactedPresent.joined(separator: ","))"])

        try FileSystem.createDirectories(directory)
        let baseName = Self.archiveBaseName(table: request.table, at: now())
        let temporary = Paths.join(directory, ".\(baseName).json.gz.tmp-\(getpid())")
        var finalPath: String?
        do {
            let written = try writeArchive(
                table: table, cutoff: cutoffTime, redactedColumns: Set(redactedPresent), to: temporary,
                level: request.compressionLevel)
            guard written.rows > 0 else {
                FileSystem.removeIfPresent(temporary)
                return TableArchiveReport(
                    outcome: .nothingToArchive, databasePath: databasePath, table: request.table,
                    tableBytes: tableBytes, threshold: request.threshold, maxRowid: written.maxRowid,
                    olderThan: cutoffTime, redactedColumns: redactedPresent)
            }
            let path = try Self.placeWithoutReplacing(temporary, in: directory, baseName: baseName)
            finalPath = path
            try Self.verify(path, against: written)
            logger.debug("db-archive: \(written.rows) rows written to \(path) (\(written.compressedBytes) bytes) and read back whole; purging them")
            try PurgeRecord(
                archive: path, maxRowid: written.predicate.maxRowid, cutoffSeconds: written.predicate.cutoff?.seconds,
                rows: written.rows, rowidSum: written.rowidSum
            ).write(to: recordPath)
            try FaultPoint.beforeTablePurge.reach()
            try table.purge(rowsMatching: written.predicate, expected: written)
            FileSystem.removeIfPresent(recordPath)
            logger.debug("db-archive: \(written.rows) rows purged from '\(request.table)'")
            report = TableArchiveReport(
                outcome: .archived, databasePath: databasePath, table: request.table, tableBytes: tableBytes,
                threshold: request.threshold, archivePath: path, rows: written.rows, originalBytes: written.jsonBytes,
                compressedBytes: written.compressedBytes, compressedChecksum: written.compressedChecksum,
                maxRowid: written.maxRowid, olderThan: cutoffTime, redactedColumns: redactedPresent)
            return report
        } catch {
            logger.debug("db-archive: stopped (\(error)); every row is still in the table and the archive was removed")
            // The rows are all still in the table: an archive of them would only be a duplicate.
            FileSystem.removeIfPresent(temporary)
            if let finalPath {
                FileSystem.removeIfPresent(finalPath)
                if PurgeRecord.read(recordPath)?.archive == finalPath { FileSystem.removeIfPresent(recordPath) }
            }
            throw error
        }
    }

    /// A run killed after its archive was checked and before the purge committed left a record:
    /// those rows are archived already. Purge exactly them (after the same check) and report that
    /// archive. Returns nil when there is nothing to finish: the purge had committed, or the rows
    /// changed since (then the record is dropped and this run archives what is there, so rows may
    /// be archived twice but never lost).
    private func finishInterruptedPurge(
        _ record: PurgeRecord, recordPath: String, table: TableShape, request: TableArchiveRequest, tableBytes: Int64
    ) throws -> TableArchiveReport? {
        var expected = WrittenArchive(predicate: record.predicate)
        expected.rows = record.rows
        expected.rowidSum = record.rowidSum
        do {
            try table.purge(rowsMatching: record.predicate, expected: expected)
        } catch let error as ArchiveError where error.kind == .failure {
            FileSystem.removeIfPresent(recordPath)
            return nil
        }
        FileSystem.removeIfPresent(recordPath)
        var report = TableArchiveReport(
            outcome: .archived, databasePath: request.databasePath, table: request.table, tableBytes: tableBytes,
            threshold: request.threshold)
        report.archivePath = record.archive
        report.rows = record.rows
        report.compressedBytes = (try? FileStatus.of(record.archive).size) ?? 0
        report.maxRowid = record.maxRowid
        report.olderThan = record.cutoffSeconds.map(UTCTimestamp.init(seconds:))
        return report
    }

    // MARK: - Writing

    /// What was written: enough to check the archive and to delete exactly the archived rows.
    struct WrittenArchive {
        var predicate: RowPredicate
        var maxRowid: Int64?
        var rows: Int64 = 0
        var rowidSum: Int64 = 0
        var jsonBytes: Int64 = 0
        var jsonChecksum: Checksum?
        var compressedBytes: Int64 = 0
        var compressedChecksum: Checksum?
    }

    /// Streams the matching rows through the JSON writer and gzip into `temporary`, synced.
    private func writeArchive(
        table: TableShape, cutoff: UTCTimestamp?, redactedColumns: Set<String>, to temporary: String, level: Int32
    ) throws -> WrittenArchive {
        let file = try PosixFile.createExclusive(temporary)
        let compressed = DigestingCounter()
        let encoder = try ParallelGzipEncoder(level: level) { chunk in
            try file.write(chunk)
            compressed.add(chunk)
        }
        let json = DigestingCounter()
        let writer = RowJSONWriter(columnNames: table.columns, redactedColumns: redactedColumns) { chunk in
            json.add(chunk)
            try encoder.write(chunk)
        }
        var written = try table.database.transaction("BEGIN") { () throws -> WrittenArchive in
            let maxRowid = try table.maxRowid()
            var written = WrittenArchive(
                predicate: RowPredicate(maxRowid: maxRowid ?? 0, cutoff: cutoff), maxRowid: maxRowid)
            guard maxRowid != nil else { return written }
            let rows = try table.selectRows(matching: written.predicate)
            while try rows.step() {
                written.rowidSum &+= rows.int64(0)
                try writer.writeRow(from: rows, firstColumn: 1)
            }
            written.rows = writer.rowsWritten
            return written
        }
        guard written.rows > 0 else { return written }
        try writer.finish()
        try encoder.finish()
        try file.sync()
        try file.close()
        written.jsonBytes = json.count
        written.jsonChecksum = json.checksum
        written.compressedBytes = compressed.count
        written.compressedChecksum = compressed.checksum
        return written
    }

    /// Gives the finished archive its name, `<base>.json.gz` or `<base>-1.json.gz`, ... when taken:
    /// never replacing a file, even one created a moment ago.
    static func placeWithoutReplacing(_ temporary: String, in directory: String, baseName: String) throws -> String {
        let path = try ArchiveName.link(temporary, in: directory, stem: baseName, suffix: ".json.gz")
        try FileSystem.remove(temporary)
        try FileSystem.syncDirectory(directory)
        return path
    }

    /// `agent_logs_20251122T053000Z`: the table (file-name safe) and the UTC time, ISO 8601 basic.
    static func archiveBaseName(table: String, at time: UTCTimestamp) -> String {
        let safeTable = String(
            String.UnicodeScalarView(
                table.unicodeScalars.map {
                    $0.isASCII
                        && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0))
                        ? $0 : "_"
                }))
        return "\(safeTable)_\(time.basicISO8601)"
    }

    static func parseCutoff(_ text: String) throws(ArchiveError) -> UTCTimestamp {
        if let time = UTCTimestamp(iso8601: text) { return time }
        if text.utf8.count == 10, let time = UTCTimestamp(iso8601: text + "T00:00:00Z") { return time }
        throw ArchiveError.badInput(
            "invalid --older-than '\(text)': expected an ISO 8601 timestamp such as 2025-01-15T00:00:00Z or 2025-01-15")
    }

    // MARK: - Checking

    /// Decompresses the archive as it is on disk and requires the same compressed bytes, the same
    /// JSON bytes (SHA-256) and one row line per archived row.
    static func verify(_ path: String, against written: WrittenArchive) throws {
        var hasher = SHA256()
        var rowLines: Int64 = 0
        var atLineStart = true
        let result = try GzipInflater.inflateFile(path) { chunk in
            hasher.update(bufferPointer: chunk)
            rowLines += countRowLines(chunk, atLineStart: &atLineStart)
        }
        let jsonChecksum = Checksum(digest: hasher.finalize())
        guard result.compressedChecksum == written.compressedChecksum, result.compressedSize == written.compressedBytes,
            jsonChecksum == written.jsonChecksum, result.decompressedSize == written.jsonBytes
        else {
            throw ArchiveError.failure("the archive \(path) does not read back to the JSON written; nothing purged")
        }
        guard rowLines == written.rows else {
            throw ArchiveError.failure(
                "the archive \(path) holds \(rowLines) rows, \(written.rows) were written; nothing purged")
        }
    }

    /// Lines starting with `{`: one per row, since a row's JSON never holds a raw newline.
    private static func countRowLines(_ chunk: UnsafeRawBufferPointer, atLineStart: inout Bool) -> Int64 {
        guard let base = chunk.baseAddress, !chunk.isEmpty else { return 0 }
        var count: Int64 = 0
        if atLineStart && chunk[0] == UInt8(ascii: "{") { count += 1 }
        var offset = 0
        while let newline = memchr(base + offset, 0x0A, chunk.count - offset) {
            let position = base.distance(to: UnsafeRawPointer(newline))
            if position + 1 < chunk.count, chunk[position + 1] == UInt8(ascii: "{") { count += 1 }
            offset = position + 1
        }
        atLineStart = chunk[chunk.count - 1] == 0x0A
        return count
    }
}

/// The rows one run archives and then deletes: the same SQL in the read, the check and the delete.
struct RowPredicate {
    /// The largest rowid when the run started: rows inserted since are never touched.
    let maxRowid: Int64
    let cutoff: UTCTimestamp?

    /// `unixepoch` reads `2025-01-15T12:00:00Z`, `2025-01-15 12:00:00` and offsets alike; a value it
    /// cannot read is NULL, never before the cutoff, so such rows are kept.
    var sql: String { cutoff == nil ? "rowid <= ?1" : "rowid <= ?1 AND unixepoch(created_at) < ?2" }

    func bind(to statement: SQLiteStatement) throws(SQLiteError) {
        try statement.bind(maxRowid, at: 1)
        if let cutoff { try statement.bind(cutoff.seconds, at: 2) }
    }
}

/// A SHA-256 and a byte count fed from an escaping closure.
private final class DigestingCounter {
    private var hasher = SHA256()
    private(set) var count: Int64 = 0

    func add(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
        count += Int64(bytes.count)
    }

    var checksum: Checksum { Checksum(digest: hasher.finalize()) }
}
