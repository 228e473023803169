import Foundation

/// Renders an `ArchiveStatus` for `logarchive status`: text with aligned columns for people, one
/// JSON object for scripts.
public struct ArchiveStatusSummary: Sendable {
    /// Builds the retry commands, with the options that locate this index and store.
    public let archiveSummary: ArchiveSummary
    public let style: TerminalStyle

    public init(archiveSummary: ArchiveSummary, style: TerminalStyle = .plain) {
        self.archiveSummary = archiveSummary
        self.style = style
    }

    private func shown(_ path: String) -> String { Wording.path(path, from: archiveSummary.currentDirectory) }

    private func plural(_ count: Int, _ word: String, _ plural: String? = nil) -> String {
        Wording.count(count, word, plural: plural)
    }

    private func ratioText(_ ratio: Double?) -> String {
        guard let ratio else { return "no data" }
        return String(format: "%.2f", ratio)
    }

    /// Long errors (a server's whole answer) would break the table; the issue view shows them whole.
    /// Escaped to one line first (`Wording.printable`): index fields are anyone's who can push.
    private func clipped(_ text: String, to limit: Int = 100) -> String {
        let line = Wording.printable(text)
        return line.count <= limit ? line : String(line.prefix(limit - 1)) + "…"
    }

    /// An index field as the issue view prints it: whole, on one line.
    private func field(_ text: String) -> String { Wording.printable(text) }

    private func statusCell(_ status: UploadStatus) -> TextTable.Cell {
        let style = self.style
        switch status {
        case .uploaded: return TextTable.Cell("✓ uploaded", style: { style.good($0) })
        case .failed: return TextTable.Cell("✗ failed", style: { style.bad($0) })
        case .pending, .retrying: return TextTable.Cell("⚠ \(status.rawValue)", style: { style.warning($0) })
        }
    }

    // MARK: The whole index

    public func text(_ status: ArchiveStatus) -> String {
        guard !status.isEmpty else {
            let state = FileSystem.exists(status.indexPath) ? "holds no archives yet" : "does not exist yet"
            return """
                The archive index \(shown(status.indexPath)) \(state): nothing has been archived.
                Archive an issue's logs with: logarchive <issue>

                """
        }
        var lines: [String] = []
        let updated = status.lastUpdated.map { ", last updated \($0)" } ?? ""
        lines.append(style.bold("Archive index \(shown(status.indexPath))") + style.dim(" (\(plural(status.totals.issues, "issue"))\(updated))"))
        if !status.partial.isEmpty {
            lines.append("")
            lines.append(
                style.warning("⚠ \(plural(status.partial.count, "partial archive"))")
                    + ": files missing from the store, local copies kept")
            for entry in status.partial { lines += partialLines(entry) }
        }
        if !status.complete.isEmpty {
            lines.append("")
            lines.append(style.good("✓ \(plural(status.complete.count, "complete archive"))"))
            lines += completeTable(status.complete).lines(indent: "  ")
        }
        lines.append("")
        lines.append(totalsLine(status.totals))
        return lines.joined(separator: "\n") + "\n"
    }

    private func partialLines(_ entry: ArchiveEntry) -> [String] {
        let unfinished = entry.unfinishedLogs
        let title = entry.issueTitle.map { " " + clipped($0, to: 60) } ?? ""
        var lines = [
            "",
            "  " + style.bold("#\(entry.issueNumber)") + title
                + style.dim(
                    "  archived \(entry.archivedAt), \(entry.archiveReason.rawValue); \(entry.logs.count - unfinished.count) of \(plural(entry.logs.count, "log")) in the store"
                ),
        ]
        var table = TextTable(alignments: [.left, .left, .left])
        for log in unfinished {
            table.add([
                TextTable.Cell(localFile(log)), statusCell(log.uploadStatus),
                TextTable.Cell(clipped(log.lastError ?? "no error recorded"), style: { [style] in style.dim($0) }),
            ])
        }
        lines += table.lines(indent: "    ")
        lines.append("    Retry with: " + style.bold(archiveSummary.retryCommand(for: entry.issueNumber)))
        return lines
    }

    /// The local file a retry uploads: the `.gz` for a compressed log, as the archive's summary names it.
    private func localFile(_ log: ArchivedLog) -> String { log.localPath + (log.compressed && !log.localPath.hasSuffix(".gz") ? ".gz" : "") }

    private func completeTable(_ entries: [ArchiveHeadline]) -> TextTable {
        // Titles come only with a GitHub token; a column of dashes says nothing.
        let showsTitles = entries.contains { $0.issueTitle != nil }
        var table = TextTable(alignments: (showsTitles ? [.left, .left] : [.left]) + [.left, .left, .right, .right, .right])
        let heading = { [style] (text: String) in TextTable.Cell(text, style: { style.dim($0) }) }
        table.add(((showsTitles ? ["ISSUE", "TITLE"] : ["ISSUE"]) + ["ARCHIVED", "REASON", "LOGS", "STORED", "ORIGINAL"]).map(heading))
        for entry in entries {
            let title = showsTitles ? [TextTable.Cell(clipped(entry.issueTitle ?? "-", to: 40))] : []
            table.add(
                [TextTable.Cell("#\(entry.issueNumber)")] + title + [
                    TextTable.Cell(entry.archivedAt), TextTable.Cell(entry.archiveReason.rawValue),
                    TextTable.Cell("\(entry.totalLogs)"), TextTable.Cell(ByteCount.format(entry.totalSizeBytes)),
                    TextTable.Cell(ByteCount.format(entry.totalOriginalBytes)),
                ])
        }
        return table
    }

    private func totalsLine(_ totals: ArchiveStatus.Totals) -> String {
        let inStore = totals.uploadedLogs == totals.logs ? "" : " (\(totals.uploadedLogs) in the store)"
        var line =
            "Totals: \(plural(totals.issues, "issue")), \(plural(totals.logs, "log"))\(inStore), "
            + "\(ByteCount.format(totals.storedBytes)) stored of \(ByteCount.format(totals.originalBytes)) original"
        if totals.originalBytes > 0 {
            let change = Wording.sizeChange(from: totals.originalBytes, to: totals.storedBytes)
            line += "; compression saved \(ByteCount.format(totals.savedBytes)) (ratio \(ratioText(totals.compressionRatio)), \(change))"
        }
        return style.bold(line)
    }

    public func json(_ status: ArchiveStatus) -> JSONValue {
        var object = JSONObject()
        object["index_path"] = .string(status.indexPath)
        object["last_updated"] = JSONValue(status.lastUpdated)
        object["partial"] = .array(
            status.partial.map { entry in
                var item = entryHeadline(entry)
                item["uploaded_logs"] = .integer(Int64(entry.logs.count - entry.unfinishedLogs.count))
                item["failed_logs"] = .array(
                    entry.unfinishedLogs.map { log in
                        .object(
                            JSONObject([
                                ("filename", .string(log.filename)), ("local_path", .string(localFile(log))),
                                ("upload_status", .string(log.uploadStatus.rawValue)),
                                ("upload_attempt", .integer(log.uploadAttempt)), ("last_error", JSONValue(log.lastError)),
                            ]))
                    })
                item["retry_command"] = .string(archiveSummary.retryCommand(for: entry.issueNumber))
                return .object(item)
            })
        object["complete"] = .array(status.complete.map { .object(entryHeadline($0)) })
        let totals = status.totals
        object["totals"] = .object(
            JSONObject([
                ("issues", .integer(Int64(totals.issues))), ("logs", .integer(Int64(totals.logs))),
                ("uploaded_logs", .integer(Int64(totals.uploadedLogs))), ("stored_bytes", .integer(totals.storedBytes)),
                ("original_bytes", .integer(totals.originalBytes)), ("saved_bytes", .integer(totals.savedBytes)),
                ("compression_ratio", totals.compressionRatio.map(JSONValue.double) ?? .null),
            ]))
        return .object(object)
    }

    private func entryHeadline(_ entry: ArchiveEntry) -> JSONObject { entryHeadline(ArchiveHeadline(entry)) }

    private func entryHeadline(_ entry: ArchiveHeadline) -> JSONObject {
        JSONObject([
            ("issue_number", .string(entry.issueNumber.description)), ("issue_title", JSONValue(entry.issueTitle)),
            ("issue_url", JSONValue(entry.issueURL)), ("archived_at", .string(entry.archivedAt)),
            ("archive_reason", .string(entry.archiveReason.rawValue)), ("total_logs", .integer(Int64(entry.totalLogs))),
            ("stored_bytes", .integer(entry.totalSizeBytes)), ("original_bytes", .integer(entry.totalOriginalBytes)),
            ("compression_ratio", entry.compressionRatio.map(JSONValue.double) ?? .null),
        ])
    }

    // MARK: One issue

    /// `drift`: the issue's local logs that differ from the archive (`LocalDrift`).
    public func text(_ entry: ArchiveEntry, drift: [LocalDrift] = []) -> String {
        let unfinished = entry.unfinishedLogs
        // What the store holds: a log that failed to upload is not stored, as the totals say too.
        let stored = entry.logs.filter { $0.uploadStatus == .uploaded }
        let storedBytes = stored.reduce(Int64(0)) { $0 + $1.sizeBytes }
        let storedOriginalBytes = stored.reduce(Int64(0)) { $0 + $1.originalSizeBytes }
        let storedRatio = storedOriginalBytes > 0 ? Double(storedBytes) / Double(storedOriginalBytes) : nil
        var lines: [String] = []
        lines.append(style.bold("Issue #\(entry.issueNumber)") + (entry.issueTitle.map { ": \(field($0))" } ?? ""))
        var facts = TextTable(alignments: [.left, .left])
        if let url = entry.issueURL { facts.add([TextTable.Cell("URL:"), TextTable.Cell(url)]) }
        facts.add([TextTable.Cell("Archived:"), TextTable.Cell("\(entry.archivedAt), reason \(entry.archiveReason.rawValue)")])
        let inStore = "\(entry.logs.count - unfinished.count) of \(plural(entry.logs.count, "log")) in the store"
        facts.add([
            TextTable.Cell("State:"),
            unfinished.isEmpty
                ? TextTable.Cell("✓ complete, \(inStore)", style: { [style] in style.good($0) })
                : TextTable.Cell("⚠ partial, \(inStore)", style: { [style] in style.warning($0) }),
        ])
        facts.add([
            TextTable.Cell("Stored:"),
            TextTable.Cell(
                "\(ByteCount.format(storedBytes)) of \(ByteCount.format(storedOriginalBytes)) original (ratio \(ratioText(storedRatio))), \(plural(Int(entry.retryCount), "retry", "retries"))"
                    + (unfinished.isEmpty ? "" : "; not counting the \(plural(unfinished.count, "log")) not in the store")),
        ])
        if let options = entry.objectOptions, !options.isEmpty {
            if let storageClass = options.storageClass {
                facts.add([TextTable.Cell("Storage class:"), TextTable.Cell(storageClass)])
            }
            if let encryption = options.serverSideEncryption {
                facts.add([
                    TextTable.Cell("Encryption:"),
                    TextTable.Cell(encryption.rawValue + (options.kmsKeyID.map { ", KMS key \($0)" } ?? "")),
                ])
            }
            if !options.tags.isEmpty { facts.add([TextTable.Cell("Tags:"), TextTable.Cell(options.tagsText)]) }
        }
        lines += facts.lines(indent: "  ")
        lines.append("")

        var table = TextTable(alignments: [.left, .left, .left, .right, .right, .right, .left])
        let heading = { [style] (text: String) in TextTable.Cell(text, style: { style.dim($0) }) }
        table.add(["TYPE", "FILE", "STATUS", "STORED", "ORIGINAL", "ATTEMPTS", "CHECKSUM"].map(heading))
        for log in entry.logs {
            table.add([
                TextTable.Cell(log.type.rawValue), TextTable.Cell(log.filename), statusCell(log.uploadStatus),
                TextTable.Cell(ByteCount.format(log.sizeBytes)), TextTable.Cell(ByteCount.format(log.originalSizeBytes)),
                TextTable.Cell("\(log.uploadAttempt)"), TextTable.Cell(String(log.checksum.prefix(19))),
            ])
        }
        let rows = table.lines(indent: "  ")
        lines.append(rows[0])
        for (log, row) in zip(entry.logs, rows.dropFirst()) {
            lines.append(row)
            lines.append(style.dim("      → \(field(log.remotePath))"))
            if let error = log.lastError, log.uploadStatus != .uploaded {
                lines.append(style.bad("      ✗ \(field(error))"))
            } else if let error = log.lastError {
                lines.append(style.dim("      (earlier attempt: \(field(error)))"))
            }
        }
        if !unfinished.isEmpty {
            lines.append("")
            lines.append("  Retry with: " + style.bold(archiveSummary.retryCommand(for: entry.issueNumber)))
        }
        if !drift.isEmpty {
            lines.append("")
            lines.append(style.warning("  ⚠ \(plural(drift.count, "local log")) \(drift.count == 1 ? "differs" : "differ") from the archive:"))
            for item in drift { lines.append("    - \(field(item.description))") }
            lines.append("  logarchive \(entry.issueNumber) --force archives them beside the stored copies.")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func json(_ entry: ArchiveEntry, indexPath: String, drift: [LocalDrift] = []) -> JSONValue {
        JSONValue.object(
            JSONObject([
                ("index_path", .string(indexPath)), ("issue_number", .string(entry.issueNumber.description)),
                ("state", .string(entry.uploadComplete ? "complete" : "partial")), ("entry", entry.json),
                ("retry_command", entry.uploadComplete ? .null : .string(archiveSummary.retryCommand(for: entry.issueNumber))),
                ("local_drift", .array(drift.map(\.json))),
            ]))
    }
}
