import Foundation

/// Renders an `ArchiveReport` as the summary people read and as the one JSON object `--json` prints.
public struct ArchiveSummary: Sendable {
    /// Paths are shown relative to this folder when they lie inside it.
    public let currentDirectory: String

    public init(currentDirectory: String, retryArguments: [String] = []) {
        self.currentDirectory = currentDirectory
        self.retryArguments = retryArguments
    }

    /// The exact command that finishes a partial archive, with the options that locate it.
    public func retryCommand(for report: ArchiveReport) -> String { retryCommand(for: report.issue) }

    /// The same command for an issue the index shows as partial (`logarchive status`).
    public func retryCommand(for issue: IssueNumber) -> String {
        var command = "logarchive \(issue) --retry"
        for argument in retryArguments { command += " " + ShellQuoting.quote(argument) }
        return command
    }

    /// `--logs-dir`, `--store`, `--config` as given to this run, for the retry command.
    public var retryArguments: [String] = []

    private func shown(_ path: String) -> String { Wording.path(path, from: currentDirectory) }

    private func plural(_ count: Int, _ word: String) -> String { Wording.count(count, word) }

    private func stageLine(_ report: ArchiveReport, _ name: StageName, _ label: String, completed: String) -> String {
        guard let record = report.stage(name) else { return "  \(label): not run" }
        switch record.status {
        case .completed: return "  \(label): \(completed)"
        case .skipped: return "  \(label): skipped (\(record.detail))"
        case .warning: return "  \(label): warning: \(record.detail)"
        case .failed: return "  \(label): failed: \(record.detail)"
        case .notRun: return "  \(label): not run"
        }
    }

    public func text(_ report: ArchiveReport) -> String {
        var lines: [String] = []
        switch report.outcome {
        case .noLogs:
            lines.append("✓ No logs found for issue #\(report.issue): nothing was archived")
            lines.append("  No index entry, comment or commit was written; run again once the issue has logs.")
        case .archived:
            lines.append("✓ Logs archived for issue #\(report.issue)")
            lines.append("  Collected: \(plural(report.collectedCount, "log"))")
            if report.compressedCount > 0 {
                let change = Wording.sizeChange(from: report.compressedOriginalBytes, to: report.compressedBytes)
                lines.append(
                    "  Compressed: \(plural(report.compressedCount, "log")) (\(ByteCount.format(report.compressedOriginalBytes)) → \(ByteCount.format(report.compressedBytes)), \(change))"
                )
            } else if report.collectedCount > 0 {
                lines.append("  Compressed: none (\(report.stage(.compress)?.detail ?? ""))")
            }
            if let folder = report.storeFolder, report.collectedCount > 0 {
                lines.append("  Uploaded: \(plural(report.collectedCount, "log")) to \(folder) in \(report.storeLocation)")
            }
            lines.append("  Index updated: \(shown(report.indexPath))")
            lines.append(stageLine(report, .comment, "GitHub comment", completed: "issue #\(report.issue)"))
            lines.append(
                stageLine(report, .clean, "Local cleaned", completed: "\(ByteCount.format(report.freedBytes)) freed"))
            lines.append(stageLine(report, .commit, "Git commit", completed: report.stage(.commit)?.detail ?? ""))
        case .partial:
            let failed = report.failedLogs
            let total = report.entry?.logs.count ?? 0
            lines.append("⚠ Partial archive for issue #\(report.issue)")
            lines.append("  Uploaded: \(total - failed.count) of \(plural(total, "file"))")
            lines.append("  Failed: \(plural(failed.count, "file"))")
            lines.append("  Index updated: \(shown(report.indexPath)) (partial_archive: true)")
            lines.append("  Local files: all kept")
            lines.append("")
            lines.append("Failed files:")
            for log in failed {
                lines.append("  - \(log.localPath)\(log.compressed && !log.localPath.hasSuffix(".gz") ? ".gz" : ""): \(log.lastError ?? log.uploadStatus.rawValue)")
            }
            lines.append("")
            lines.append("Retry with: \(retryCommand(for: report))")
        case .reindexed:
            if let entry = report.entry {
                lines.append("✓ Index entry of issue #\(report.issue) rebuilt from the store")
                lines.append("  Logs: \(plural(entry.totalLogs, "log")), \(ByteCount.format(entry.totalSizeBytes)) stored, all verified")
                lines.append("  Index updated: \(shown(report.indexPath))")
            }
        case .alreadyArchived:
            if let entry = report.entry {
                lines.append("✓ Issue #\(report.issue) is already archived (\(entry.archivedAt), reason \(entry.archiveReason.rawValue))")
                lines.append(
                    "  Logs: \(plural(entry.totalLogs, "log")), \(ByteCount.format(entry.totalSizeBytes)) stored")
                for log in entry.logs {
                    lines.append("  - \(log.type.rawValue): \(log.filename) → \(log.remotePath)")
                }
                if report.localDrift.isEmpty {
                    lines.append("  Nothing was changed; --force archives it again.")
                } else {
                    lines.append("  ⚠ \(plural(report.localDrift.count, "local log")) \(report.localDrift.count == 1 ? "differs" : "differ") from the archive:")
                    for drift in report.localDrift { lines.append("    - \(drift.description)") }
                    lines.append("  Nothing was changed; logarchive \(report.issue) --force archives them beside the stored copies.")
                }
            }
        case .dryRun:
            lines.append("Dry run for issue #\(report.issue): nothing was changed")
            lines.append("  Collected: \(plural(report.collectedCount, "log"))")
            for planned in report.plan {
                lines.append(
                    "  - \(planned.log.relativePath) (\(ByteCount.format(planned.log.size))) → \(planned.remotePath): \(planned.willCompress ? "compress" : "as is"), \(planned.reason)"
                )
            }
            lines.append("  Store: \(report.storeLocation)")
            lines.append("  Index: \(shown(report.indexPath))")
        case .refused:
            lines.append("✗ Archive of issue #\(report.issue) refused: nothing was archived")
            if let reason = report.error?.message { lines.append("  Reason: \(reason)") }
        case .failed:
            lines.append("✗ Archive of issue #\(report.issue) failed")
            if let failed = report.stages.first(where: { $0.status == .failed }) {
                lines.append("  Stage: \(failed.name.rawValue)")
            }
        }
        if let file = report.traceFile { lines.append("  Trace: \(shown(file))") }
        for warning in report.traceWarnings { lines.append("  ⚠ \(warning)") }
        // Plain lines, no colour: each is escaped whole, so that no title, file name, path or
        // server message a line quotes puts a control character or a line break on the terminal.
        return lines.map(Wording.printable).joined(separator: "\n") + "\n"
    }

    public func json(_ report: ArchiveReport) -> JSONValue {
        var object = JSONObject()
        object["issue_number"] = .string(report.issue.description)
        object["outcome"] = .string(report.outcome.rawValue)
        object["exit_code"] = .integer(Int64(report.exitCode))
        object["error"] = JSONValue(report.error?.message)
        object["kind"] = JSONValue(report.error?.kind.name)
        object["local_drift"] = .array(report.localDrift.map(\.json))
        object["collected"] = .integer(Int64(report.collectedCount))
        object["compressed"] = .object(
            JSONObject([
                ("count", .integer(Int64(report.compressedCount))),
                ("original_bytes", .integer(report.compressedOriginalBytes)),
                ("compressed_bytes", .integer(report.compressedBytes)),
            ]))
        object["store"] = .string(report.storeLocation)
        object["store_folder"] = JSONValue(report.storeFolder)
        object["index_path"] = .string(report.indexPath)
        object["freed_bytes"] = .integer(report.freedBytes)
        object["kept_paths"] = .array(report.keptPaths.map(JSONValue.string))
        object["failed_logs"] = .array(report.failedLogs.map(\.json))
        object["retry_command"] = report.outcome == .partial ? .string(retryCommand(for: report)) : .null
        object["stages"] = .array(
            report.stages.map { record in
                .object(
                    JSONObject([
                        ("name", .string(record.name.rawValue)),
                        ("status", .string(record.status.rawValue)),
                        ("detail", .string(record.detail)),
                        ("duration_ms", .double((Double(record.durationNanoseconds) / 1e6 * 1000).rounded() / 1000)),
                    ]))
            })
        if report.outcome == .dryRun {
            object["plan"] = .array(
                report.plan.map { planned in
                    .object(
                        JSONObject([
                            ("type", .string(planned.log.type.rawValue)),
                            ("local_path", .string(planned.log.relativePath)),
                            ("size_bytes", .integer(planned.log.size)),
                            ("compress", .bool(planned.willCompress)),
                            ("reason", .string(planned.reason)),
                            ("remote_path", .string(planned.remotePath)),
                        ]))
                })
        }
        object["entry"] = report.entry?.json ?? .null
        object["trace"] = .object(
            JSONObject([
                ("file", JSONValue(report.traceFile)), ("store_key", JSONValue(report.traceKey)),
                ("warnings", .array(report.traceWarnings.map(JSONValue.string))),
            ]))
        return .object(object)
    }
}
