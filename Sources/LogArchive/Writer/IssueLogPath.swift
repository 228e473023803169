import Dispatch
import Foundation

import Glibc

/// Where an issue's lines of each type go, in the layout the archive collects from.
public enum IssueLogPath {
    /// `builds/123-build.log`, `deployments/123-deployment.log`, `debug/123-debug.log`; a session
    /// gets a file of its own, `sessions/session-123-20250115T090000.123Z.md` (see `createSession`).
    public static func path(issue: IssueNumber, type: LogType, logsDirectory: String, started: UTCInstant) -> String {
        let name: String
        switch type {
        case .session: name = sessionName(issue: issue, started: started, attempt: 1)
        case .build, .deployment, .debug: name = "\(issue)-\(type.rawValue).log"
        }
        return Paths.join(Paths.join(logsDirectory, type.folder), name)
    }

    /// `session-123-20250115T090000.123Z.md`, then `…123Z_2.md`, `…123Z_3.md` for later sessions
    /// started in the same millisecond.
    static func sessionName(issue: IssueNumber, started: UTCInstant, attempt: Int) -> String {
        "session-\(issue)-\(started.basicISO8601)\(attempt > 1 ? "_\(attempt)" : "").md"
    }

    /// Creates a new session file holding `contents`, never one that exists already: the bytes go
    /// into a hidden temporary first, which is then hard-linked under the name (`link` fails with
    /// EEXIST rather than replace, as `O_EXCL` does), so nobody sees the file before its front
    /// matter. A session started in the same millisecond as another takes the next suffix; no
    /// session ever writes into another's file. Returns its path.
    public static func createSession(
        issue: IssueNumber, logsDirectory: String, started: UTCInstant, contents: [UInt8]
    ) throws(FileSystemError) -> String {
        let folder = Paths.join(logsDirectory, LogType.session.folder)
        try FileSystem.createDirectories(folder)
        let first = sessionName(issue: issue, started: started, attempt: 1)
        let temporary = Paths.join(folder, ".\(first).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp")
        let file = try PosixFile.createExclusive(temporary)
        defer { FileSystem.removeIfPresent(temporary) }
        try file.write(contents)
        try file.close()
        var attempt = 1
        while true {
            let path = Paths.join(folder, sessionName(issue: issue, started: started, attempt: attempt))
            if link(temporary, path) == 0 { return path }
            let failure = errno
            if failure == EINTR { continue }
            guard failure == EEXIST else { throw FileSystemError("create", path: path, errorNumber: failure) }
            attempt += 1
        }
    }

    /// The issue's most recent session file, if there is one: by the time in its name, then its
    /// suffix (`_10` after `_9`).
    public static func latestSession(issue: IssueNumber, logsDirectory: String) -> String? {
        let folder = Paths.join(logsDirectory, LogType.session.folder)
        let prefix = "session-\(issue)-"
        let names = ((try? FileSystem.contents(of: folder)) ?? []).filter { $0.hasPrefix(prefix) && $0.hasSuffix(".md") }
        return names.max { sessionOrder($0, prefix: prefix) < sessionOrder($1, prefix: prefix) }.map { Paths.join(folder, $0) }
    }

    /// `20250115T090000.123Z_2` sorts as ("20250115T090000.123", 2); an older name without
    /// milliseconds, `20250115T090000Z`, as ("20250115T090000.000", 1).
    static func sessionOrder(_ name: String, prefix: String) -> SessionOrder {
        var stem = name.dropFirst(prefix.count).dropLast(3)
        var attempt = 1
        if let underscore = stem.lastIndex(of: "_"), let number = Int(stem[stem.index(after: underscore)...]) {
            attempt = number
            stem = stem[..<underscore]
        }
        var time = String(stem.hasSuffix("Z") ? stem.dropLast() : stem)
        if !time.contains(".") { time += ".000" }
        return SessionOrder(time: time, attempt: attempt)
    }

    struct SessionOrder: Comparable {
        let time: String
        let attempt: Int
        static func < (lhs: SessionOrder, rhs: SessionOrder) -> Bool { (lhs.time, lhs.attempt) < (rhs.time, rhs.attempt) }
    }

    /// `2025-01-15T09:00:00.123Z [stdout] text`: each logged line carries when and where from.
    public static func line(_ text: some StringProtocol, source: String, at time: UTCInstant = .now()) -> String {
        "\(time.iso8601) [\(source)] \(text)"
    }
}
