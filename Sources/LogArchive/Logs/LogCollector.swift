/// Finds the logs that belong to one issue under the logs dir.
///
/// Matching is exact: for issue 123, `builds/123-build.log` is collected and `builds/1234-build.log`,
/// `builds/5123-build.log` and `sessions/session-1234-….md` are not. Session files match
/// `session-{n}-…` or carry the number as a whole token of their name once dates are set aside
/// (so issue 23 does not collect `session-456-2025-01-23.md`); the other folders match `{n}-…`,
/// `{n}_…` or `{n}.ext`. Files we produce ourselves (`.gz` beside their original, `.tmp`, `.part`,
/// `.lock`) and hidden files are never collected.
public struct LogCollector: Sendable {
    public let logsDirectory: String

    public init(logsDirectory: String) {
        self.logsDirectory = logsDirectory
    }

    public func collect(issue: IssueNumber) throws(ArchiveError) -> [CollectedLog] {
        guard let resolvedRoot = FileSystem.resolvedPath(logsDirectory), FileSystem.isDirectory(resolvedRoot) else {
            throw .badInput("logs directory \(logsDirectory) does not exist or is not a directory")
        }
        var logs: [CollectedLog] = []
        for type in LogType.allCases {
            let folder = Paths.join(logsDirectory, type.folder)
            for name in try logNames(of: type) {
                // A piece `rotate` cut from one of the issue's logs belongs to the issue too.
                let piece = RotatedPiece(name)
                guard LogCollector.matches(piece?.logName ?? name, issue: issue, type: type) else { continue }
                let path = Paths.join(folder, name)
                var log = try inspect(path: path, name: name, type: type, root: resolvedRoot)
                log.rotatedPiece = piece
                logs.append(log)
            }
        }
        return logs
    }

    /// The names in a type's folder that can be logs (not hidden, not our own work files); none
    /// when the folder is missing.
    public func logNames(of type: LogType) throws(ArchiveError) -> [String] {
        let folder = Paths.join(logsDirectory, type.folder)
        guard FileSystem.isDirectory(folder) else { return [] }
        let names = try FileSystem.names(in: folder)
        let siblings = Set(names)
        return names.filter { !$0.hasPrefix(".") && !LogCollector.isWorkFile($0, siblings: siblings) }
    }

    /// Whether a file name in a type's folder belongs to the issue.
    public static func matches(_ name: String, issue: IssueNumber, type: LogType) -> Bool {
        let number = issue.description
        if name.hasPrefix(".") { return false }
        if startsWithNumber(name, number) { return true }
        guard type == .session else { return false }
        if name.hasPrefix("session-"), startsWithNumber(String(name.dropFirst(8)), number) { return true }
        return tokens(of: name).contains(number)
    }

    /// `{n}-…`, `{n}_…`, or `{n}.ext` where the extension starts with a letter (so `123.5.log` is not 123).
    private static func startsWithNumber(_ name: String, _ number: String) -> Bool {
        guard name.hasPrefix(number) else { return false }
        let rest = name.dropFirst(number.count)
        guard let separator = rest.first else { return false }
        if separator == "-" || separator == "_" { return rest.count > 1 }
        if separator == "." { return rest.dropFirst().first?.isLetter ?? false }
        return false
    }

    /// Name tokens split on separators, with ISO dates and times removed first so that their
    /// digits never read as an issue number.
    static func tokens(of name: String) -> [String] {
        var text = Substring(name)
        var kept = ""
        while !text.isEmpty {
            if let length = dateOrTimeLength(text) {
                kept += " "
                text = text.dropFirst(length)
            } else {
                kept.append(text.removeFirst())
            }
        }
        return kept.split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init)
    }

    /// Length of a `YYYY-MM-DD` date (optionally followed by `THH-MM-SS`/`THH:MM:SS`) at the start.
    private static func dateOrTimeLength(_ text: Substring) -> Int? {
        let chars = Array(text.prefix(19))
        func digits(_ range: Range<Int>) -> Bool {
            range.allSatisfy { $0 < chars.count && chars[$0].isASCII && chars[$0].isNumber }
        }
        guard chars.count >= 10, digits(0..<4), chars[4] == "-", digits(5..<7), chars[7] == "-", digits(8..<10) else {
            return nil
        }
        if chars.count == 19, chars[10] == "T" || chars[10] == "_", digits(11..<13), digits(14..<16), digits(17..<19),
            chars[13] == chars[16], chars[13] == "-" || chars[13] == ":"
        {
            return 19
        }
        return 10
    }

    /// Artefacts of an earlier run or of other tools that must not be archived as logs.
    static func isWorkFile(_ name: String, siblings: Set<String>) -> Bool {
        for suffix in [".tmp", ".part", ".lock", ".backup"] where name.hasSuffix(suffix) { return true }
        if name.contains(".tmp-") { return true }
        // Our own compressed copy of a log that is still here: the original is what gets collected.
        if name.hasSuffix(".gz"), siblings.contains(String(name.dropLast(3))) { return true }
        return false
    }

    private func inspect(path: String, name: String, type: LogType, root: String) throws(ArchiveError) -> CollectedLog {
        let linkStatus: FileStatus
        do {
            linkStatus = try FileStatus.of(path)
        } catch {
            // Names are read as UTF-8; a name with other bytes reads with U+FFFD and then names no file.
            if name.unicodeScalars.contains("\u{FFFD}"), error.isNoSuchFile {
                throw .badInput(
                    "\(path) (shown with \u{FFFD}) has a file name that is not valid UTF-8; logarchive archives only UTF-8 names, so that the index and the store can name it. Rename the file, then run again"
                )
            }
            if error.isSymlink { throw .badInput("\(error)") }
            throw .failure("\(path) vanished while it was being collected")
        }
        // No symlink is followed inside the logs dir (`NoFollow`), not even to a file beside it:
        // what is archived, and then deleted, is always the file at the log's own name.
        if linkStatus.kind == .symlink {
            let target = FileSystem.resolvedPath(path).map { " (to \($0))" } ?? " that points nowhere"
            throw .badInput(
                "\(path) is a symlink\(target); logarchive follows no symlink inside \(logsDirectory): "
                    + "put the log itself there"
            )
        }
        let status = linkStatus
        guard status.kind == .regular else {
            throw .badInput("\(path) matches the issue but is a \(status.kind) rather than a regular file; move it out of \(type.folder)/")
        }
        return CollectedLog(
            type: type, filename: name, path: path, relativePath: "\(type.folder)/\(name)", size: status.size,
            status: status)
    }
}

/// A log that belongs to the issue, as found on disk.
public struct CollectedLog: Sendable, Equatable {
    public let type: LogType
    public let filename: String
    /// Path as found under the logs dir; never a symlink (`NoFollow`).
    public let path: String
    /// `builds/123-build.log`, relative to the logs dir.
    public let relativePath: String
    public let size: Int64
    public let status: FileStatus
    /// For a piece `rotate` cut (and gzipped) from a growing log: the log and the time of the cut.
    public var rotatedPiece: RotatedPiece? = nil
}

/// `20251115T140000.123Z_123-debug.log.gz` (or `…log-1.gz` when two cuts shared a millisecond):
/// what `rotate` and `watch` leave of a log that grew past its threshold.
public struct RotatedPiece: Sendable, Equatable {
    /// `123-debug.log`: the log it was cut from.
    public let logName: String
    /// `20251115T140000.123Z`: when it was cut; sorts in time order.
    public let cutAt: String
    /// 1 for the second piece cut in the same millisecond (`-1`), and so on; 0 otherwise.
    public let collision: Int

    public init?(_ name: String) {
        guard name.hasSuffix(".gz"), let separator = name.firstIndex(of: "_") else { return nil }
        let stamp = name[..<separator]
        guard stamp.count >= 16, stamp.last == "Z", stamp.dropLast().allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "T" || $0 == ".") }),
            stamp.first?.isNumber == true
        else { return nil }
        var rest = name[name.index(after: separator)...].dropLast(3)
        var collision = 0
        // `-N` after the log's own extension; a log named `app-2` has no extension to go by.
        if let dash = rest.lastIndex(of: "-"), let number = Int(rest[rest.index(after: dash)...]), rest[..<dash].contains(".") {
            collision = number
            rest = rest[..<dash]
        }
        guard !rest.isEmpty else { return nil }
        logName = String(rest)
        cutAt = String(stamp)
        self.collision = collision
    }
}
