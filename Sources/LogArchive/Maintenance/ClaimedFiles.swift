/// The local files some record still names, which `cleanup` never removes whatever their status or
/// age: each log of every index entry (its file, and the `.gz` beside it), invalid entries
/// included; each log of every upload journal's entry (a run going on, or stopped); and the object
/// every multipart record is resuming, matched by name. A `.gz` log that failed to upload may be
/// the only copy, and `--retry` needs it. `cleanup --older-than` removes a claimed file only when
/// every claim is of a verified upload of a complete archive (`unfinishedClaimant`).
struct ClaimedFiles {
    /// Absolute path of each claimed file, with who claims it.
    private var paths: [String: String] = [:]
    /// Those that a claim still needs locally: not a verified upload of a complete archive.
    private var unfinished: [String: String] = [:]
    /// Last key components of unfinished multipart uploads, with their record's path.
    private var objectNames: [String: String] = [:]

    init(logsDirectory: String, index: ArchiveIndex) throws(ArchiveError) {
        for entry in index.archives {
            for log in entry.logs {
                let done = entry.uploadComplete && log.uploadStatus == .uploaded
                let status = "listed in the index as \(log.uploadStatus.rawValue) (issue #\(entry.issueNumber))"
                claim(log, by: done ? "listed in the index" : status + "; --retry needs it", done: done, in: logsDirectory)
            }
        }
        for invalid in index.invalidEntries {
            for log in ClaimedFiles.logs(ofInvalid: invalid) {
                claim(log, by: "listed by the invalid entry of issue #\(invalid.issue)", done: false, in: logsDirectory)
            }
        }
        for issue in UploadJournal.issuesWithJournals(logsDirectory: logsDirectory) {
            let journal = UploadJournal.path(logsDirectory: logsDirectory, issue: issue)
            for log in try UploadJournal.pendingEntry(logsDirectory: logsDirectory, issue: issue)?.logs ?? [] {
                claim(
                    log, by: "named by the upload journal \(Paths.lastComponent(of: journal))", done: false,
                    in: logsDirectory)
            }
        }
        for name in (try? FileSystem.contents(of: logsDirectory)) ?? []
        where name.hasPrefix(".archive-multipart-") && name.hasSuffix(".json") {
            let path = Paths.join(logsDirectory, name)
            guard let record = MultipartResumeRecord.read(from: path) else { continue }
            objectNames[Paths.lastComponent(of: record.key)] = name
        }
    }

    /// Who claims the file at `path`, or nil when nothing does.
    func claimant(of path: String) -> String? {
        if let claimant = paths[path] { return claimant }
        return multipartClaimant(of: path)
    }

    /// Who claims the file at `path` for work not finished (a failed, pending or unverified log, a
    /// partial or invalid entry, a journal, a multipart record), or nil.
    func unfinishedClaimant(of path: String) -> String? {
        unfinished[path] ?? multipartClaimant(of: path)
    }

    private func multipartClaimant(of path: String) -> String? {
        // A multipart record names a key, not a file: a local file whose log could be stored
        // under that name (`IssueKeyRule.isNameOf`) is claimed.
        let name = Paths.lastComponent(of: path)
        for candidate in [name, name.hasSuffix(".gz") ? String(name.dropLast(3)) : name] {
            for (objectName, record) in objectNames where IssueKeyRule.isNameOf(candidate, objectName) {
                return "the object of the unfinished multipart upload \(record)"
            }
        }
        return nil
    }

    private mutating func claim(_ log: ArchivedLog, by claimant: String, done: Bool, in logsDirectory: String) {
        let file = log.localFile(inLogsDirectory: logsDirectory)
        for path in [file, file + ".gz"] {
            if paths[path] == nil || !done { paths[path] = claimant }
            if !done, unfinished[path] == nil { unfinished[path] = claimant }
        }
    }

    /// What an entry that does not decode still says of its logs: each with a type and a plain name.
    private static func logs(ofInvalid invalid: InvalidEntry) -> [ArchivedLog] {
        guard case .object(let entry) = invalid.json, case .array(let logs)? = entry["logs"] else { return [] }
        return logs.compactMap { value -> ArchivedLog? in
            guard case .object(let log) = value, case .string(let typeName)? = log["type"],
                let type = LogType(rawValue: typeName), case .string(let filename)? = log["filename"],
                !filename.isEmpty, !filename.contains("/"), filename != "..", filename != "."
            else { return nil }
            var localPath = ""
            if case .string(let text)? = log["local_path"] { localPath = text }
            return ArchivedLog(
                type: type, filename: filename, localPath: localPath, remotePath: "", sizeBytes: 0,
                originalSizeBytes: 0,
                compressed: false, checksum: "", uploadStatus: .pending)
        }
    }
}
