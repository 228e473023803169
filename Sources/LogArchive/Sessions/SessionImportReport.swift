/// The summary of an import: each session with its issue and files, the unattached ones, and
/// what was redacted (counts per rule, never the values).
public struct SessionImportReport: Sendable {
    public var results: [SessionImportResult]
    public var redact: Bool
    public var dryRun: Bool

    public init(results: [SessionImportResult], redact: Bool, dryRun: Bool) {
        self.results = results
        self.redact = redact
        self.dryRun = dryRun
    }

    public var attached: [SessionImportResult] { results.filter { $0.issue != nil } }
    public var unattached: [SessionImportResult] { results.filter { $0.issue == nil } }
    public var failed: [SessionImportResult] { results.filter { $0.error != nil } }

    public var counts: RedactionCounts {
        var total = RedactionCounts()
        for result in results { total.add(result.counts) }
        return total
    }

    public var text: String {
        var lines: [String] = []
        let verb = dryRun ? "Would import" : "Imported"
        let written = attached.filter { $0.error == nil }
        lines.append("\(verb) \(Wording.count(written.count, "session")) into logs/sessions/")
        for result in written {
            for file in result.files {
                var detail = file.outcome
                if file.counts.total > 0 {
                    detail +=
                        ", redacted "
                        + file.counts.nonZero.map { "\($0.count) \($0.rule.name)" }.joined(separator: ", ")
                }
                lines.append("  \(file.name) (\(detail))")
            }
        }
        for result in failed {
            lines.append("✗ \(result.session.agent.rawValue) \(result.session.id): \(result.error ?? "")")
        }
        if !unattached.isEmpty {
            lines.append("Unattached (no issue number in the branch; left alone, use --issue N):")
            for result in unattached {
                let session = result.session
                let branch = session.branch ?? "(none)"
                lines.append(
                    "  \(session.agent.rawValue) \(session.shortID) \(session.date) branch \(branch)  \(session.path)")
            }
        }
        if !redact { lines.append("Not redacted (--no-redact): the transcripts' exact bytes were copied") }
        return lines.joined(separator: "\n") + "\n"
    }

    public var json: JSONValue {
        func files(_ result: SessionImportResult) -> JSONValue {
            .array(
                result.files.map { file in
                    .object(
                        JSONObject([
                            ("name", .string(file.name)), ("outcome", .string(file.outcome)),
                            ("lines", .integer(Int64(file.lines))), ("bytes", .integer(file.bytes)),
                            ("redactions", file.counts.json),
                        ]))
                })
        }
        func session(_ result: SessionImportResult) -> JSONValue {
            let session = result.session
            return .object(
                JSONObject([
                    ("agent", .string(session.agent.rawValue)), ("id", .string(session.id)),
                    ("issue", result.issue.map { .string($0.description) } ?? .null),
                    ("branch", JSONValue(session.branch)), ("started_at", JSONValue(session.startedAt)),
                    ("transcript", .string(session.path)), ("files", files(result)),
                    ("error", JSONValue(result.error)),
                ]))
        }
        return .object(
            JSONObject([
                ("dry_run", .bool(dryRun)), ("redacted", .bool(redact)),
                ("imported", .array(attached.map(session))), ("unattached", .array(unattached.map(session))),
                ("redactions", counts.json),
            ]))
    }
}
