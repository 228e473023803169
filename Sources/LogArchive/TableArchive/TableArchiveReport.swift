/// What `db-archive` was asked to do.
public struct TableArchiveRequest: Sendable {
    public var databasePath: String
    public var table: String
    /// The table (with its indexes) is archived only when larger than this.
    public var threshold: Int64
    /// Archive only rows whose `created_at` is before this ISO 8601 instant (as typed, parsed by
    /// the archiver so a bad value is reported like every other input error).
    public var olderThan: String?
    /// Default: the database's folder.
    public var archiveDirectory: String?
    /// Columns written as `[REDACTED]`, besides `prompt_text`.
    public var redactedColumns: [String]
    public var compressionLevel: Int32

    public static let defaultTable = "agent_logs"
    public static let defaultThreshold: Int64 = 100 << 20
    public static let alwaysRedactedColumn = "prompt_text"

    public init(
        databasePath: String, table: String = defaultTable, threshold: Int64 = defaultThreshold,
        olderThan: String? = nil, archiveDirectory: String? = nil, redactedColumns: [String] = [],
        compressionLevel: Int32 = 6
    ) {
        self.databasePath = databasePath
        self.table = table
        self.threshold = threshold
        self.olderThan = olderThan
        self.archiveDirectory = archiveDirectory
        self.redactedColumns = redactedColumns
        self.compressionLevel = compressionLevel
    }
}

/// What `db-archive` did: the summary printed for people and the `--json` object.
public struct TableArchiveReport: Sendable {
    public enum Outcome: String, Sendable {
        case archived
        /// The table was not over the threshold: nothing read, nothing written.
        case belowThreshold = "below_threshold"
        /// Over the threshold, but no row matched the cutoff.
        case nothingToArchive = "nothing_to_archive"
    }

    public let outcome: Outcome
    public let databasePath: String
    public let table: String
    /// Pages of the table and its indexes (`dbstat`).
    public let tableBytes: Int64
    public let threshold: Int64
    public var archivePath: String? = nil
    public var rows: Int64 = 0
    /// Bytes of the JSON text before compression.
    public var originalBytes: Int64 = 0
    public var compressedBytes: Int64 = 0
    public var compressedChecksum: Checksum? = nil
    /// The cutoff: rows up to this rowid (the largest when the run started)...
    public var maxRowid: Int64? = nil
    /// ...and, when given, with `created_at` before this instant.
    public var olderThan: UTCTimestamp? = nil
    public var redactedColumns: [String] = []

    /// `rowid <= 1000 and created_at before 2025-01-01T00:00:00Z`
    public var cutoffDescription: String {
        var parts: [String] = []
        if let maxRowid { parts.append("rowid <= \(maxRowid)") }
        if let olderThan { parts.append("created_at before \(olderThan.iso8601)") }
        return parts.isEmpty ? "none" : parts.joined(separator: " and ")
    }

    public var text: String {
        switch outcome {
        case .belowThreshold:
            return
                "\(table) is \(ByteCount.format(tableBytes)), not over the \(ByteCount.format(threshold)) threshold: "
                + "nothing archived\n"
        case .nothingToArchive:
            return "\(table) is \(ByteCount.format(tableBytes)) but no rows match the cutoff (\(cutoffDescription)): "
                + "nothing archived\n"
        case .archived:
            let change = Wording.sizeChange(from: originalBytes, to: compressedBytes)
            return """
                ✓ Archived \(rows) rows of \(table) to \(archivePath ?? "")
                  Table: \(ByteCount.format(tableBytes)) with indexes (threshold \(ByteCount.format(threshold)))
                  Size: \(ByteCount.format(originalBytes)) JSON → \(ByteCount.format(compressedBytes)) gzip (\(change))
                  Cutoff: \(cutoffDescription)
                  Redacted columns: \(redactedColumns.joined(separator: ", "))
                  Purged: \(rows) rows

                """
        }
    }

    public var json: JSONValue {
        var cutoff = JSONObject()
        cutoff["max_rowid"] = JSONValue(maxRowid)
        cutoff["older_than"] = JSONValue(olderThan?.iso8601)
        return .object(
            JSONObject([
                ("status", .string(outcome.rawValue)),
                ("database", .string(databasePath)),
                ("table", .string(table)),
                ("table_bytes", .integer(tableBytes)),
                ("threshold_bytes", .integer(threshold)),
                ("archive", JSONValue(archivePath)),
                ("rows", .integer(rows)),
                ("original_bytes", .integer(originalBytes)),
                ("compressed_bytes", .integer(compressedBytes)),
                ("sha256", JSONValue(compressedChecksum?.description)),
                ("cutoff", .object(cutoff)),
                ("redacted_columns", .array(redactedColumns.map(JSONValue.string))),
            ]))
    }
}
