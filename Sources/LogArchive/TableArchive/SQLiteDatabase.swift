import CSQLite
import Foundation

/// A failed SQLite call, naming the database and the SQLite message.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let operation: String
    /// The primary result code (`SQLITE_BUSY`, `SQLITE_NOTADB`, ...).
    public let code: Int32
    public let message: String

    public var description: String { "\(operation) on \(path): \(message) (SQLite code \(code))" }
    public var isNotADatabase: Bool { code == SQLITE_NOTADB }
}

/// One SQLite connection with the few operations the table archiver needs; every failed call
/// becomes a `SQLiteError` naming the database. Closed in `deinit`.
final class SQLiteDatabase {
    let path: String
    private let handle: OpaquePointer

    /// Opens an existing database for reading and writing; never creates one. `busyTimeoutMilliseconds`
    /// makes a call wait for another process's lock instead of failing at once.
    init(openingExisting path: String, busyTimeoutMilliseconds: Int32 = 10_000) throws(SQLiteError) {
        self.path = path
        var opened: OpaquePointer?
        let status = sqlite3_open_v2(path, &opened, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
        guard status == SQLITE_OK, let opened else {
            let message = opened.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(status))
            sqlite3_close_v2(opened)
            throw SQLiteError(path: path, operation: "open", code: status & 0xFF, message: message)
        }
        handle = opened
        sqlite3_extended_result_codes(handle, 0)
        sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Runs statements that return no rows (`BEGIN IMMEDIATE`, `COMMIT`).
    func execute(_ sql: String) throws(SQLiteError) {
        let status = sqlite3_exec(handle, sql, nil, nil, nil)
        guard status == SQLITE_OK else { throw error(status, "execute '\(sql)'") }
    }

    func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        var statement: OpaquePointer?
        let status = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard status == SQLITE_OK, let statement else { throw error(status, "prepare '\(sql)'") }
        return SQLiteStatement(database: self, statement: statement)
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE on this connection.
    var changes: Int64 { Int64(sqlite3_changes64(handle)) }

    /// Runs `body` in a transaction started with `begin`; commits when it returns, rolls back when
    /// it throws.
    func transaction<Result>(_ begin: String = "BEGIN", _ body: () throws -> Result) throws -> Result {
        try execute(begin)
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            if sqlite3_get_autocommit(handle) == 0 { _ = sqlite3_exec(handle, "ROLLBACK", nil, nil, nil) }
            throw error
        }
    }

    func error(_ status: Int32, _ operation: String) -> SQLiteError {
        SQLiteError(
            path: path, operation: operation, code: status & 0xFF, message: String(cString: sqlite3_errmsg(handle)))
    }

    /// Quotes a table or column name for SQL: in double quotes, inner quotes doubled.
    static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// A prepared statement: bind, step through rows, read columns. The column accessors hand out
/// SQLite's own buffers, valid until the next step, so rows are read without copying.
final class SQLiteStatement {
    private unowned let database: SQLiteDatabase
    private let statement: OpaquePointer

    fileprivate init(database: SQLiteDatabase, statement: OpaquePointer) {
        self.database = database
        self.statement = statement
    }

    deinit {
        sqlite3_finalize(statement)
    }

    func bind(_ value: Int64, at index: Int32) throws(SQLiteError) {
        let status = sqlite3_bind_int64(statement, index, value)
        guard status == SQLITE_OK else { throw database.error(status, "bind parameter \(index)") }
    }

    func bind(_ text: String, at index: Int32) throws(SQLiteError) {
        let status = logarchive_sqlite3_bind_text_copy(statement, index, text, -1)
        guard status == SQLITE_OK else { throw database.error(status, "bind parameter \(index)") }
    }

    /// Moves to the next row; false when there are no more.
    func step() throws(SQLiteError) -> Bool {
        let status = sqlite3_step(statement)
        if status == SQLITE_ROW { return true }
        if status == SQLITE_DONE { return false }
        throw database.error(status, "read rows")
    }

    /// Ends a read early, so the statement holds no lock when the transaction commits.
    func reset() {
        sqlite3_reset(statement)
    }

    /// Steps to completion; for statements run for their effect.
    func run() throws(SQLiteError) {
        while try step() {}
    }

    var columnCount: Int32 { sqlite3_column_count(statement) }

    func columnName(_ index: Int32) -> String {
        sqlite3_column_name(statement, index).map { String(cString: $0) } ?? ""
    }

    func columnType(_ index: Int32) -> Int32 { sqlite3_column_type(statement, index) }
    func isNull(_ index: Int32) -> Bool { columnType(index) == SQLITE_NULL }
    func int64(_ index: Int32) -> Int64 { sqlite3_column_int64(statement, index) }
    func double(_ index: Int32) -> Double { sqlite3_column_double(statement, index) }

    func text(_ index: Int32) -> String {
        withTextBytes(index) { String(decoding: $0, as: UTF8.self) }
    }

    /// The column as UTF-8 bytes (SQLite converts other types to text first).
    func withTextBytes<Result>(_ index: Int32, _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        let start = sqlite3_column_text(statement, index)
        let count = Int(sqlite3_column_bytes(statement, index))
        return try body(UnsafeRawBufferPointer(start: start, count: start == nil ? 0 : count))
    }

    func withBlobBytes<Result>(_ index: Int32, _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        let start = sqlite3_column_blob(statement, index)
        let count = Int(sqlite3_column_bytes(statement, index))
        return try body(UnsafeRawBufferPointer(start: start, count: start == nil ? 0 : count))
    }
}

/// SQLite's dynamic value types, as `sqlite3_column_type` reports them.
enum SQLiteType {
    static let integer = SQLITE_INTEGER
    static let real = SQLITE_FLOAT
    static let text = SQLITE_TEXT
    static let blob = SQLITE_BLOB
    static let null = SQLITE_NULL
}
