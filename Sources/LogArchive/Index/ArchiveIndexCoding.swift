/// The index's JSON form: field names and order as the design's schema shows them, unknown fields
/// appended after the known ones.
extension ArchiveIndex {
    public init(json value: JSONValue) throws(JSONObjectReader.ShapeError) {
        var reader = try JSONObjectReader(value, path: "")
        let version = try reader.optionalString("schema_version") ?? ArchiveIndex.schemaVersion
        guard version.hasPrefix("1.") else {
            throw JSONObjectReader.ShapeError(
                path: "schema_version", reason: "version \"\(version)\" is not supported (this logarchive reads 1.x)")
        }
        let lastUpdated = try reader.optionalString("last_updated")
        var entries: [ArchiveEntry] = []
        var invalid: [InvalidEntry] = []
        var seen = Set<IssueNumber>()
        for (element, path) in try reader.array("archives") {
            // One bad value spoils only its entry: kept as it is, reported, served to nobody.
            let decoded: Result<ArchiveEntry, JSONObjectReader.ShapeError>
            do {
                decoded = .success(try ArchiveEntry(json: element, path: path))
            } catch {
                guard let issue = InvalidEntry.issue(of: element) else { throw error }
                decoded = .failure(error)
                invalid.append(InvalidEntry(issue: issue, json: element, problem: error))
            }
            // Decoded, or its issue number read where the decode failed.
            guard let issue = (try? decoded.get())?.issueNumber ?? InvalidEntry.issue(of: element) else { continue }
            guard seen.insert(issue).inserted else {
                throw JSONObjectReader.ShapeError(
                    path: path, reason: "a second entry for issue \(issue); each issue has one entry")
            }
            if case .success(let entry) = decoded { entries.append(entry) }
        }
        self.init(archives: entries, lastUpdated: lastUpdated)
        invalidEntries = invalid
        schemaVersion = version
        unknownFields = reader.unknownMembers
        // Derived from the entries, and written again by every write of the file.
        unknownFields[String(describing: ShardSummary.key)] = nil
    }

    /// Parses the index file's bytes; `ArchiveIndexFormatError` says whether it was not JSON or
    /// not of the index's shape.
    public init(fileBytes bytes: [UInt8]) throws(ArchiveIndexFormatError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw .notJSON("\(error)")
        }
        do {
            try self.init(json: value)
        } catch {
            throw .wrongShape("\(error)")
        }
    }

    /// The index file's bytes, as every writer writes them.
    public var fileBytes: [UInt8] { JSONWriter.prettyUTF8(json) }

    public var json: JSONValue {
        var object = JSONObject()
        object["schema_version"] = .string(schemaVersion)
        object["last_updated"] = JSONValue(lastUpdated)
        // Invalid entries are written back as they were read, in issue order among the others.
        let elements = archives.map { ($0.issueNumber, $0.json) } + invalidEntries.map { ($0.issue, $0.json) }
        object["archives"] = .array(elements.sorted { $0.0 > $1.0 }.map(\.1))
        object.appendMissing(from: unknownFields)
        return .object(object)
    }
}

/// An entry of an index file whose issue number reads but some other value does not: it stays in
/// the file byte for byte, every command that needs it reports it with its file and field, and
/// the others are served. Without a readable issue number nothing says which issue it spoils, so
/// such an element fails its whole file, as a file that is not JSON does.
public struct InvalidEntry: Sendable, Equatable {
    public let issue: IssueNumber
    /// The element as it was read.
    public let json: JSONValue
    /// `archives[3].logs[0].remote_path: …`.
    public let message: String
    /// A refused value (bad input, exit 64) rather than a corrupt one (exit 1).
    public let isRefusedValue: Bool
    /// The index file it was read from, once known.
    public var file: String?

    init(issue: IssueNumber, json: JSONValue, problem: JSONObjectReader.ShapeError) {
        self.issue = issue
        self.json = json
        message = problem.description
        isRefusedValue = problem.isRefusedValue
    }

    /// The issue of an element whose `issue_number` is a valid number in a string.
    static func issue(of element: JSONValue) -> IssueNumber? {
        guard case .object(let object) = element, case .string(let text)? = object["issue_number"] else { return nil }
        return try? IssueNumber(validating: text)
    }

    /// The error a command that needs this issue's entry reports.
    public var error: ArchiveError {
        let place = file.map { "\($0): " } ?? ""
        // As for a corrupt file: where the last write's backup is, or that there is none.
        let backup = file.map { FileSystem.exists($0 + ".backup") ? "; a backup is at \($0).backup" : "; no backup at \($0).backup" }
        let text = "\(place)\(message). The entry of issue #\(issue) was left untouched\(backup ?? "")"
            + "; the other entries are served. "
            + "Repair it, or rebuild it from the store with `logarchive reindex --all`"
        return isRefusedValue ? .badInput(text) : .failure(text)
    }
}


extension ArchiveEntry {
    public init(json value: JSONValue, path: String) throws(JSONObjectReader.ShapeError) {
        var reader = try JSONObjectReader(value, path: path)
        let numberText = try reader.string("issue_number")
        guard let issue = try? IssueNumber(validating: numberText) else {
            throw JSONObjectReader.ShapeError(
                path: "\(path).issue_number", reason: "\"\(numberText)\" is not a positive integer in a string")
        }
        issueNumber = issue
        issueURL = try reader.optionalString("issue_url")
        issueTitle = try reader.optionalString("issue_title")
        archivedAt = try reader.optionalString("archived_at") ?? ""
        archiveReason = try reader.optionalEnum("archive_reason", ArchiveReason.self) ?? .manual
        var logs: [ArchivedLog] = []
        for (element, logPath) in try reader.array("logs") {
            let log = try ArchivedLog(json: element, path: logPath)
            if let refusal = IssueKeyRule.violation(
                key: log.remotePath, issue: issue, filename: log.filename, type: log.type)
            {
                throw JSONObjectReader.ShapeError(path: "\(logPath).remote_path", reason: refusal, isRefusedValue: true)
            }
            logs.append(log)
        }
        self.logs = logs
        // Derived totals are recomputed from the logs on every write; reading them only checks their type.
        _ = try reader.optionalInteger("total_size_bytes")
        _ = try reader.optionalInteger("total_logs")
        _ = try reader.optionalDouble("compression_ratio")
        _ = try reader.optionalBool("partial_archive")
        _ = try reader.optionalBool("upload_complete")
        retryCount = try reader.optionalInteger("retry_count") ?? 0
        objectOptions = try reader.optionalObject("s3_object_options").map { object throws(JSONObjectReader.ShapeError) in
            try S3ObjectOptions(json: .object(object), path: "\(path).s3_object_options")
        }
        unknownFields = reader.unknownMembers
    }

    public var json: JSONValue {
        var object = JSONObject()
        object["issue_number"] = .string(issueNumber.description)
        object["issue_url"] = JSONValue(issueURL)
        object["issue_title"] = JSONValue(issueTitle)
        object["archived_at"] = .string(archivedAt)
        object["archive_reason"] = .string(archiveReason.rawValue)
        object["logs"] = .array(logs.map(\.json))
        object["total_size_bytes"] = .integer(totalSizeBytes)
        object["total_logs"] = .integer(Int64(totalLogs))
        object["compression_ratio"] = compressionRatio.map(JSONValue.double) ?? .null
        object["partial_archive"] = .bool(partialArchive)
        object["upload_complete"] = .bool(uploadComplete)
        object["retry_count"] = .integer(retryCount)
        // Only when set: an entry without options reads as before, for old readers too.
        if let objectOptions, !objectOptions.isEmpty { object["s3_object_options"] = objectOptions.json }
        object.appendMissing(from: unknownFields)
        return .object(object)
    }
}

extension ArchivedLog {
    public init(json value: JSONValue, path: String) throws(JSONObjectReader.ShapeError) {
        var reader = try JSONObjectReader(value, path: path)
        guard let type = try reader.optionalEnum("type", LogType.self) else {
            throw JSONObjectReader.ShapeError(path: "\(path).type", reason: "is missing")
        }
        self.type = type
        filename = try reader.string("filename")
        localPath = try reader.optionalString("local_path") ?? ""
        remotePath = try reader.optionalString("remote_path") ?? ""
        try Self.refuseEscapes(filename: filename, remotePath: remotePath, path: path)
        cloudURL = try reader.optionalString("cloud_url")
        publicURL = try reader.optionalString("public_url")
        sizeBytes = try reader.optionalInteger("size_bytes") ?? 0
        compressed = try reader.optionalBool("compressed") ?? false
        originalSizeBytes = try reader.optionalInteger("original_size_bytes") ?? sizeBytes
        checksum = try reader.optionalString("checksum") ?? ""
        if let parts = try reader.optionalString("parts_sha256") {
            guard let composite = CompositeChecksum(parts) else {
                throw JSONObjectReader.ShapeError(path: "\(path).parts_sha256", reason: "\"\(parts)\" is not <base64 SHA-256>-<part count>")
            }
            partsChecksum = composite
        } else {
            partsChecksum = nil
        }
        created = try reader.optionalString("created")
        archived = try reader.optionalString("archived")
        // Entries written by the original workflow predate per-file status: they were only
        // written after every upload succeeded.
        uploadStatus = try reader.optionalEnum("upload_status", UploadStatus.self) ?? .uploaded
        uploadTimestamp = try reader.optionalString("upload_timestamp")
        uploadAttempt = try reader.optionalInteger("upload_attempt") ?? 0
        lastError = try reader.optionalString("last_error")
        unknownFields = reader.unknownMembers
    }

    /// The index is untrusted input (it is edited in pull requests): `read` opens `remote_path` in
    /// the store and `cleanup` deletes a file named by `filename`, so a key that climbs out with
    /// `..` or starts at `/`, or a file name that is a path, is refused rather than followed.
    private static func refuseEscapes(filename: String, remotePath: String, path: String)
        throws(JSONObjectReader.ShapeError)
    {
        // Bytes are compared: Foundation's `contains` (which the module's imports make the one
        // called) and a `split` per log were most of the index's decode time.
        if filename.isEmpty || filename == "." || filename == ".." || filename.utf8.contains(UInt8(ascii: "/"))
            || filename.utf8.contains(0)
        {
            throw JSONObjectReader.ShapeError(path: "\(path).filename", reason: "\"\(filename)\" is not a plain file name")
        }
        if remotePath.hasPrefix("/") || remotePath.utf8.contains(0) || hasParentSegment(remotePath) {
            throw JSONObjectReader.ShapeError(
                path: "\(path).remote_path", reason: "\"\(remotePath)\" leaves the store (absolute or with '..'); refused")
        }
    }

    /// Whether a "/"-separated path has a ".." segment, found without splitting it into an array.
    private static func hasParentSegment(_ path: String) -> Bool {
        // Dots so far in the current segment; -1 once it holds anything else.
        var dots = 0
        for byte in path.utf8 {
            if byte == UInt8(ascii: "/") {
                if dots == 2 { return true }
                dots = 0
            } else if byte == UInt8(ascii: "."), dots >= 0 {
                dots += 1
            } else {
                dots = -1
            }
        }
        return dots == 2
    }

    public var json: JSONValue {
        var object = JSONObject()
        object["type"] = .string(type.rawValue)
        object["filename"] = .string(filename)
        object["local_path"] = .string(localPath)
        object["remote_path"] = .string(remotePath)
        // The index is committed to git and the manifest stored: no URL's credentials in either.
        object["cloud_url"] = JSONValue(cloudURL.map(LogRedaction.url))
        object["public_url"] = JSONValue(publicURL.map(LogRedaction.url))
        object["size_bytes"] = .integer(sizeBytes)
        object["original_size_bytes"] = .integer(originalSizeBytes)
        object["compressed"] = .bool(compressed)
        object["checksum"] = .string(checksum)
        if let partsChecksum { object["parts_sha256"] = .string(partsChecksum.description) }
        object["created"] = JSONValue(created)
        object["archived"] = JSONValue(archived)
        object["upload_status"] = .string(uploadStatus.rawValue)
        object["upload_timestamp"] = JSONValue(uploadTimestamp)
        object["upload_attempt"] = .integer(uploadAttempt)
        object["last_error"] = JSONValue(lastError)
        object.appendMissing(from: unknownFields)
        return .object(object)
    }
}

public enum ArchiveIndexFormatError: Error, CustomStringConvertible {
    case notJSON(String)
    case wrongShape(String)
    /// An entry's value the rules refuse (`IssueKeyRule`): bad input.
    case refusedValue(String)

    public var description: String {
        switch self {
        case .notJSON(let detail): "is not valid JSON (\(detail))"
        case .wrongShape(let detail): "does not have the archive index's shape (\(detail))"
        case .refusedValue(let detail): detail
        }
    }

    init(_ error: JSONObjectReader.ShapeError) {
        self = error.isRefusedValue ? .refusedValue("\(error)") : .wrongShape("\(error)")
    }
}
