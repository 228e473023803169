/// What `db-archive` leaves beside its archive between checking it and committing the purge: the
/// archive, and which rows it holds (the same predicate and the count and rowid sum the purge
/// checks). A run killed in that window left rows that are already archived; the next run purges
/// exactly those rows, after the same check, instead of archiving them a second time.
struct PurgeRecord: Equatable {
    let archive: String
    let maxRowid: Int64
    let cutoffSeconds: Int64?
    let rows: Int64
    let rowidSum: Int64

    /// `.agent.db.agent_logs.purge.json` in the archive folder: one per database and table.
    static func path(directory: String, databasePath: String, table: String) -> String {
        Paths.join(directory, ".\(Paths.lastComponent(of: databasePath)).\(table).purge.json")
    }

    var predicate: RowPredicate {
        RowPredicate(maxRowid: maxRowid, cutoff: cutoffSeconds.map(UTCTimestamp.init(seconds:)))
    }

    func write(to path: String) throws {
        var object = JSONObject()
        object["archive"] = .string(archive)
        object["max_rowid"] = .integer(maxRowid)
        object["cutoff"] = JSONValue(cutoffSeconds)
        object["rows"] = .integer(rows)
        object["rowid_sum"] = .integer(rowidSum)
        try FileSystem.writeAtomically(Array(JSONWriter.compact(.object(object)).utf8), to: path)
    }

    /// The record at `path` if it reads and its archive still exists; otherwise nil (and a
    /// record that names no archive any more is removed).
    static func read(_ path: String) -> PurgeRecord? {
        guard FileSystem.exists(path) else { return nil }
        if let bytes = try? FileSystem.readAll(path, limit: 4096), let value = try? JSONParser.parse(bytes),
            case .object(let object) = value, case .string(let archive)? = object["archive"],
            case .integer(let maxRowid)? = object["max_rowid"], case .integer(let rows)? = object["rows"],
            case .integer(let rowidSum)? = object["rowid_sum"], FileSystem.exists(archive)
        {
            var cutoff: Int64?
            if case .integer(let seconds)? = object["cutoff"] { cutoff = seconds }
            return PurgeRecord(archive: archive, maxRowid: maxRowid, cutoffSeconds: cutoff, rows: rows, rowidSum: rowidSum)
        }
        FileSystem.removeIfPresent(path)
        return nil
    }
}
