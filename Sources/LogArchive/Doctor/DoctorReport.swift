import Foundation

/// One finding of `logarchive doctor`: what was checked, how it went, and what to do about it.
public struct DoctorCheck: Sendable, Equatable {
    public enum Status: String, Sendable {
        case ok
        /// The archive would run, but something it does would be skipped or may fail.
        case warning
        /// The archive (or part of what was asked of it) would fail: doctor exits 1.
        case failed
    }

    /// A stable name for scripts: `store`, `clock`, `github_token`, …
    public let name: String
    public let status: Status
    /// What was found, in a sentence; never a secret.
    public let detail: String
    /// What to do, for a warning or a failure.
    public let fix: String?

    public init(_ name: String, _ status: Status, _ detail: String, fix: String? = nil) {
        self.name = name
        self.status = status
        // Details quote endpoints, servers' answers and git's output: redacted and escaped once here,
        // for the text and the JSON alike.
        self.detail = Wording.printable(detail)
        // Every warning and failure says what to do, if only where to look.
        self.fix = status == .ok ? nil : Wording.printable(fix ?? "see the detail above")
    }

    public static func ok(_ name: String, _ detail: String) -> DoctorCheck { DoctorCheck(name, .ok, detail) }
    public static func warning(_ name: String, _ detail: String, fix: String?) -> DoctorCheck {
        DoctorCheck(name, .warning, detail, fix: fix)
    }
    public static func failed(_ name: String, _ detail: String, fix: String?) -> DoctorCheck {
        DoctorCheck(name, .failed, detail, fix: fix)
    }

    /// The name as a person reads it: `github token`.
    public var title: String { name.replacingOccurrences(of: "_", with: " ") }
}

/// Every finding of one `doctor` run, as text for a person or one JSON object for a script.
public struct DoctorReport: Sendable {
    public var checks: [DoctorCheck]

    public init(checks: [DoctorCheck]) {
        self.checks = checks
    }

    public var failures: [DoctorCheck] { checks.filter { $0.status == .failed } }
    public var warnings: [DoctorCheck] { checks.filter { $0.status == .warning } }

    /// 1 when anything failed; warnings alone do not fail.
    public var exitCode: Int32 { failures.isEmpty ? 0 : 1 }

    public func check(_ name: String) -> DoctorCheck? { checks.first { $0.name == name } }

    /// One line per check (✓, ⚠ or ✗), its fix indented below it, then a last line of totals.
    public func text(style: TerminalStyle) -> String {
        var lines: [String] = []
        for check in checks {
            let mark: String
            switch check.status {
            case .ok: mark = style.good("✓")
            case .warning: mark = style.warning("⚠")
            case .failed: mark = style.bad("✗")
            }
            lines.append("\(mark) \(style.bold(check.title)): \(check.detail)")
            if let fix = check.fix { lines.append("    fix: \(fix)") }
        }
        let failed = failures.count
        let warned = warnings.count
        if failed == 0 && warned == 0 {
            lines.append(style.good("Ready: every check passed."))
        } else {
            var parts: [String] = []
            if failed > 0 { parts.append(Wording.count(failed, "problem")) }
            if warned > 0 { parts.append(Wording.count(warned, "warning")) }
            let verdict = failed > 0 ? "fix the problems above before the first archive" : "the archive can run"
            lines.append("\(parts.joined(separator: ", ")): \(verdict).")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `{"ok": …, "status": …, "exit_code": …, "failed": N, "warnings": N, "checks": [{name, status, detail, fix}]}`,
    /// with `error` and `kind` as well when a check failed.
    public var json: JSONValue {
        var object = JSONObject()
        object["ok"] = .bool(exitCode == 0)
        object["status"] = .string(!failures.isEmpty ? "failed" : !warnings.isEmpty ? "warning" : "ok")
        object["exit_code"] = .integer(Int64(exitCode))
        if !failures.isEmpty {
            // The members every command's --json failure carries, for scripts that read only those.
            let names = failures.map(\.title).joined(separator: ", ")
            object["error"] = .string("\(Wording.count(failures.count, "check")) failed: \(names)")
            object["kind"] = .string(ArchiveError.Kind.failure.name)
        }
        object["failed"] = .integer(Int64(failures.count))
        object["warnings"] = .integer(Int64(warnings.count))
        object["checks"] = .array(
            checks.map { check in
                var member = JSONObject()
                member["name"] = .string(check.name)
                member["status"] = .string(check.status.rawValue)
                member["detail"] = .string(check.detail)
                member["fix"] = JSONValue(check.fix)
                return .object(member)
            })
        return .object(object)
    }
}
