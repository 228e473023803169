import CSQLite

/// The table being archived, checked to exist with the columns the run needs, and the SQL run on it.
struct TableShape {
    let database: SQLiteDatabase
    let name: String
    /// The columns in table order: the keys of each archived row.
    let columns: [String]
    private let quotedName: String

    init(reading name: String, in database: SQLiteDatabase, cutoffGiven: Bool) throws {
        self.database = database
        self.name = name
        quotedName = SQLiteDatabase.quoteIdentifier(name)
        let lookup: SQLiteStatement
        do {
            lookup = try database.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1")
        } catch {
            guard error.isNotADatabase else { throw error }
            throw ArchiveError.badInput("\(database.path) is not an SQLite database")
        }
        try lookup.bind(name, at: 1)
        guard try lookup.step() else { throw ArchiveError.badInput("no table '\(name)' in \(database.path)") }
        let shape = try database.prepare("SELECT * FROM \(quotedName) LIMIT 0")
        columns = (0..<shape.columnCount).map(shape.columnName)
        if cutoffGiven && !columns.contains("created_at") {
            throw ArchiveError.badInput(
                "table '\(name)' has no created_at column, which --older-than compares with (columns: \(columns.joined(separator: ", ")))"
            )
        }
    }

    /// Bytes of the pages holding the table and its indexes, from the `dbstat` virtual table.
    func sizeInBytes() throws -> Int64 {
        let statement = try database.prepare(
            """
            SELECT COALESCE(SUM(pgsize), 0) FROM dbstat
            WHERE name = ?1 OR name IN (SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = ?1)
            """)
        try statement.bind(name, at: 1)
        _ = try statement.step()
        defer { statement.reset() }
        return statement.int64(0)
    }

    /// The largest rowid, or nil when the table is empty.
    func maxRowid() throws -> Int64? {
        let statement = try database.prepare("SELECT MAX(rowid) FROM \(quotedName)")
        _ = try statement.step()
        defer { statement.reset() }
        return statement.isNull(0) ? nil : statement.int64(0)
    }

    /// A cursor over the matching rows, in rowid order: column 0 is the rowid, then the table's columns.
    func selectRows(matching predicate: RowPredicate) throws -> SQLiteStatement {
        let statement = try database.prepare("SELECT rowid, * FROM \(quotedName) WHERE \(predicate.sql) ORDER BY rowid")
        try predicate.bind(to: statement)
        return statement
    }

    /// Deletes exactly the archived rows in one `BEGIN IMMEDIATE` transaction, after checking that
    /// the rows matching the predicate are still the ones written; otherwise rolls back, deleting nothing.
    func purge(rowsMatching predicate: RowPredicate, expected: TableArchiver.WrittenArchive) throws {
        try database.transaction("BEGIN IMMEDIATE") {
            let check = try database.prepare(
                "SELECT COUNT(*), COALESCE(SUM(rowid), 0) FROM \(quotedName) WHERE \(predicate.sql)")
            try predicate.bind(to: check)
            _ = try check.step()
            let (count, rowidSum) = (check.int64(0), check.int64(1))
            check.reset()
            guard count == expected.rows, rowidSum == expected.rowidSum else {
                throw ArchiveError.failure(
                    "the rows of '\(name)' changed while they were archived (\(count) rows match the cutoff now, "
                        + "\(expected.rows) were archived): nothing purged, archive removed; run again")
            }
            let delete = try database.prepare("DELETE FROM \(quotedName) WHERE \(predicate.sql)")
            try predicate.bind(to: delete)
            try delete.run()
            guard database.changes == expected.rows else {
                throw ArchiveError.failure(
                    "deleting the archived rows of '\(name)' removed \(database.changes), not \(expected.rows): rolled back"
                )
            }
            // The rows are deleted but not committed: a kill here must roll back.
            try FaultPoint.tablePurgeBeforeCommit.reach()
        }
    }
}
