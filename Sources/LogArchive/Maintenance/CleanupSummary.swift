/// Renders a `CleanupReport`: each removal with its reason and size, what was spared and why, the
/// space freed; or one JSON object.
public struct CleanupSummary: Sendable {
    public let currentDirectory: String
    public let style: TerminalStyle

    public init(currentDirectory: String, style: TerminalStyle = .plain) {
        self.currentDirectory = currentDirectory
        self.style = style
    }

    private func shown(_ path: String) -> String { Wording.path(path, from: currentDirectory) }

    private func files(_ count: Int) -> String { Wording.count(count, "file") }

    private var rulesChecked: String { "orphaned .gz (7 days), .tmp (24 hours), .lock (1 hour, process gone)" }

    public func text(_ report: CleanupReport) -> String {
        var lines: [String] = []
        let request = report.request
        var checked: [String] = []
        if request.orphans { checked.append(rulesChecked) }
        if let days = request.olderThanDays { checked.append("archived logs verified in the store, older than \(days) days") }
        let items = request.dryRun ? report.plan.removals : report.removed
        let bytes = items.reduce(0) { $0 + $1.sizeBytes }

        if items.isEmpty, report.plan.storeFailure != nil {
            lines.append(style.bold("Nothing removed from \(shown(report.logsDirectory)):"))
        } else if items.isEmpty {
            lines.append(style.good("✓ Nothing to clean up in \(shown(report.logsDirectory))") + style.dim(" (checked: \(checked.joined(separator: "; ")))"))
        } else if request.dryRun {
            lines.append(style.bold("Dry run: nothing was changed. Would remove \(files(items.count)), freeing \(ByteCount.format(bytes)):"))
        } else {
            lines.append(style.bold("Removed \(files(items.count)), freed \(ByteCount.format(bytes)):"))
        }
        lines += table(items.map { ($0.path, ByteCount.format($0.sizeBytes), "\($0.rule.rawValue): \($0.reason)") },
            mark: request.dryRun ? TextTable.Cell("-") : TextTable.Cell("✓", style: { [style] in style.good($0) }))
        if !report.failures.isEmpty {
            lines.append("")
            lines.append(style.bad("✗ Could not remove \(files(report.failures.count)):"))
            lines += table(report.failures.map { ($0.path, "", $0.reason) }, mark: TextTable.Cell("✗", style: { [style] in style.bad($0) }))
        }
        if !report.plan.kept.isEmpty {
            lines.append("")
            lines.append("Kept \(files(report.plan.kept.count)):")
            lines += table(report.plan.kept.map { ($0.path, "", $0.reason) }, mark: TextTable.Cell("·"), dimReason: true)
        }
        if let failure = report.plan.storeFailure {
            lines.append("")
            lines.append(
                style.bad(
                    "✗ The store could not be reached, so no archived log could be verified and every one was kept: "
                        + Wording.printable("\(failure)")))
        }
        if report.eventRecorded {
            lines.append("")
            lines.append(style.dim("Recorded in \(shown(report.indexPath)) (cleanup_events)."))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func table(_ rows: [(path: String, size: String, reason: String)], mark: TextTable.Cell, dimReason: Bool = false)
        -> [String]
    {
        let showsSizes = rows.contains { !$0.size.isEmpty }
        var table = TextTable(alignments: showsSizes ? [.left, .left, .right, .left] : [.left, .left, .left])
        for row in rows {
            let size = showsSizes ? [TextTable.Cell(row.size)] : []
            table.add(
                [mark, TextTable.Cell(shown(row.path))] + size + [
                    TextTable.Cell(Wording.printable(row.reason), style: { [style] in dimReason ? style.dim($0) : $0 })
                ])
        }
        return table.lines(indent: "  ")
    }

    public func json(_ report: CleanupReport) -> JSONValue {
        let items = report.request.dryRun ? report.plan.removals : report.removed
        func item(_ item: CleanupItem) -> JSONValue {
            .object(
                JSONObject([
                    ("path", .string(item.path)), ("rule", .string(item.rule.rawValue)), ("reason", .string(item.reason)),
                    ("size_bytes", .integer(item.sizeBytes)),
                ]))
        }
        func kept(_ file: KeptFile) -> JSONValue {
            .object(JSONObject([("path", .string(file.path)), ("reason", .string(file.reason))]))
        }
        return .object(
            JSONObject([
                ("dry_run", .bool(report.request.dryRun)), ("logs_dir", .string(report.logsDirectory)),
                ("index_path", .string(report.indexPath)), ("orphans", .bool(report.request.orphans)),
                ("older_than_days", report.request.olderThanDays.map { .integer(Int64($0)) } ?? .null),
                (report.request.dryRun ? "would_remove" : "removed", .array(items.map(item))),
                ("freed_bytes", .integer(report.freedBytes)),
                ("failed", .array(report.failures.map(kept))), ("kept", .array(report.plan.kept.map(kept))),
                ("store_error", report.plan.storeFailure.map { .string($0) } ?? .null),
                ("event_recorded", .bool(report.eventRecorded)),
            ]))
    }
}
