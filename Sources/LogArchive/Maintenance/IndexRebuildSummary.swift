/// Renders an `IndexRebuildReport`: one line of counts, then each added, updated and kept issue
/// with what changed or why, and the problems; or one JSON object.
public struct IndexRebuildSummary: Sendable {
    public let currentDirectory: String
    public let style: TerminalStyle
    /// Issues listed per section in the text; `--json` lists them all.
    public var listLimit = 50

    public init(currentDirectory: String, style: TerminalStyle = .plain) {
        self.currentDirectory = currentDirectory
        self.style = style
    }

    public func text(_ report: IndexRebuildReport) -> String {
        let dry = report.dryRun
        let counts = [
            Wording.count(report.issuesInStore, "issue") + " in the store",
            "\(report.added.count) \(dry ? "to add" : "added")",
            "\(report.updated.count) \(dry ? "to update" : "updated")",
            "\(report.unchanged) unchanged", "\(report.kept.count) kept unconfirmed",
        ].joined(separator: ", ")
        var lines: [String] = []
        if dry {
            lines.append(style.bold("Dry run: nothing was changed. From \(report.storeLocation): \(counts)"))
        } else if report.problems.isEmpty {
            lines.append(style.good("✓ Index rebuilt from \(report.storeLocation): \(counts)"))
        } else {
            lines.append(style.warning("⚠ Index rebuilt from \(report.storeLocation), with problems: \(counts)"))
        }
        section(dry ? "Would add" : "Added", report.added, into: &lines) { change in
            ["\(Wording.count(change.logs, "log")), \(change.uploadedLogs) uploaded"]
        }
        section(dry ? "Would update" : "Updated", report.updated, into: &lines) { $0.changes }
        section("Kept unconfirmed", report.kept, into: &lines) { [$0.reason] }
        section("Not indexed", report.notIndexed, into: &lines) { [$0.reason] }
        if !report.problems.isEmpty {
            lines.append(style.bad("✗ \(Wording.count(report.problems.count, "problem")):"))
            for problem in report.problems {
                lines.append("    \(Wording.printable(problem.subject)): \(Wording.printable(problem.message))")
            }
        }
        lines.append("  Index: \(Wording.path(report.indexPath, from: currentDirectory))")
        return lines.joined(separator: "\n") + "\n"
    }

    /// `  Added: 2 issues`, then `    #151  detail` lines (later details indented under the first).
    private func section<Item: IssueItem>(
        _ title: String, _ items: [Item], into lines: inout [String], details: (Item) -> [String]
    ) {
        guard !items.isEmpty else { return }
        lines.append("  \(title): \(Wording.count(items.count, "issue"))")
        for item in items.prefix(listLimit) {
            let label = "#\(item.issue)"
            let pad = String(repeating: " ", count: label.count + 2)
            for (position, detail) in details(item).enumerated() {
                lines.append("    " + (position == 0 ? label + "  " : pad) + Wording.printable(detail))
            }
        }
        if items.count > listLimit {
            lines.append(style.dim("    … and \(items.count - listLimit) more (--json lists them all)"))
        }
    }

    public func json(_ report: IndexRebuildReport) -> JSONValue {
        func change(_ change: IndexRebuildReport.Change) -> JSONValue {
            .object(
                JSONObject([
                    ("issue_number", .string(change.issue.description)), ("logs", .integer(Int64(change.logs))),
                    ("uploaded_logs", .integer(Int64(change.uploadedLogs))),
                    ("changes", .array(change.changes.map(JSONValue.string))),
                ]))
        }
        func kept(_ kept: IndexRebuildReport.Kept) -> JSONValue {
            .object(JSONObject([("issue_number", .string(kept.issue.description)), ("reason", .string(kept.reason))]))
        }
        return .object(
            JSONObject([
                ("dry_run", .bool(report.dryRun)), ("store", .string(report.storeLocation)),
                ("index_path", .string(report.indexPath)), ("issues_in_store", .integer(Int64(report.issuesInStore))),
                ("added", .array(report.added.map(change))), ("updated", .array(report.updated.map(change))),
                ("unchanged", .integer(Int64(report.unchanged))), ("kept_unconfirmed", .array(report.kept.map(kept))),
                ("not_indexed", .array(report.notIndexed.map(kept))),
                (
                    "problems",
                    .array(
                        report.problems.map {
                            .object(JSONObject([("subject", .string($0.subject)), ("message", .string($0.message))]))
                        })
                ),
                ("exit_code", .integer(Int64(report.exitCode))),
                ("error", report.problems.first.map { .string("\($0.subject): \($0.message)") } ?? .null),
            ]))
    }

    /// The one object `--json` prints when the rebuild could not start (no store, no credentials).
    public func json(_ error: ArchiveError) -> JSONValue { error.json }
}

/// An entry of one of the summary's sections: it names an issue.
protocol IssueItem {
    var issue: IssueNumber { get }
}

extension IndexRebuildReport.Change: IssueItem {}
extension IndexRebuildReport.Kept: IssueItem {}
