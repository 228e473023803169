import Glibc

/// Copies one transcript into the logs folder: its whole lines only (a transcript the agent is
/// still writing is read up to its last newline), redacted unless asked not to, into a hidden
/// temporary file that is synced and renamed over the target (the folder synced by the caller),
/// so the target is always an earlier whole copy or the new one. The copy is compared with the
/// target as it is written: an equal target is left alone, and one with more lines than the new
/// copy is kept (a transcript never shrinks; a copy must never lose lines).
struct TranscriptCopy {
    enum Outcome: String, Sendable {
        case new, replaced, unchanged
        /// The target holds more lines than the transcript now: kept as it is.
        case kept
        /// No whole line yet: nothing to copy.
        case empty
    }

    struct Result: Sendable {
        var outcome: Outcome
        var lines: Int
        var bytes: Int64
        var counts: RedactionCounts
    }

    let redact: Bool
    /// Compare only: nothing is written (`--dry-run`).
    let dryRun: Bool

    /// `wholeLines: false` for a small JSON file (a subagent's `.meta.json`) copied whole.
    func copy(from source: String, to target: String, wholeLines: Bool = true) throws(ArchiveError) -> Result {
        do {
            return try copyOrThrow(from: source, to: target, wholeLines: wholeLines)
        } catch let error as ArchiveError {
            throw error
        } catch let error as FileSystemError {
            throw .failure("could not import \(source) into \(target): \(error)")
        } catch {
            throw .failure("could not import \(source) into \(target): \(error)")
        }
    }

    private func copyOrThrow(from source: String, to target: String, wholeLines: Bool) throws -> Result {
        let input = try PosixFile.openForReading(source)
        let length = wholeLines ? try Self.wholeLinesLength(of: input) : try input.status().size
        var result = Result(outcome: .empty, lines: 0, bytes: 0, counts: RedactionCounts())
        guard length > 0 else { return result }

        let targetStatus = try? FileStatus.of(target, followSymlinks: false)
        if let targetStatus, targetStatus.kind != .regular {
            throw ArchiveError.badInput("\(target) is not a regular file (a symlink or folder?); it is left alone")
        }
        let comparer = try targetStatus.map { _ in try OutputComparer(path: target) }
        let temporary = Paths.join(Paths.parent(of: target), ".\(Paths.lastComponent(of: target)).tmp-\(getpid())")
        var output: PosixFile?
        if !dryRun {
            FileSystem.removeIfPresent(temporary)
            output = try PosixFile.createExclusive(temporary)
        }
        do {
            var lines = 0
            var bytes: Int64 = 0
            let consume: (UnsafeRawBufferPointer) throws -> Void = { chunk in
                lines += Self.newlines(in: chunk)
                bytes += Int64(chunk.count)
                comparer?.compare(chunk)
                try output?.write(chunk)
            }
            let stream = redact ? RedactingStream(sink: consume) : nil
            try Self.read(input, length: length) { chunk in
                if let stream { try stream.write(chunk) } else { try consume(chunk) }
            }
            try stream?.finish()
            result.lines = lines
            result.bytes = bytes
            result.counts = stream?.counts ?? RedactionCounts()
            if let comparer {
                if comparer.isEqual(totalWritten: bytes) {
                    result.outcome = .unchanged
                } else if try Self.lineCount(of: target) > lines {
                    result.outcome = .kept
                } else {
                    result.outcome = .replaced
                }
            } else {
                result.outcome = .new
            }
            if let output {
                if result.outcome == .new || result.outcome == .replaced {
                    try output.sync()
                    try output.close()
                    // The folder is synced once for the whole import (SessionImporter.run).
                    try FileSystem.rename(temporary, to: target)
                } else {
                    try output.close()
                    FileSystem.removeIfPresent(temporary)
                }
            }
            return result
        } catch {
            try? output?.close()
            FileSystem.removeIfPresent(temporary)
            throw error
        }
    }

    /// The length up to and including the file's last newline, looked for backwards from its end.
    static func wholeLinesLength(of file: PosixFile) throws -> Int64 {
        var end = try file.status().size
        let chunkSize = 64 * 1024
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while end > 0 {
            let start = max(0, end - Int64(chunkSize))
            let wanted = Int(end - start)
            let count = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<wanted]), at: start)
            if let last = buffer[0..<count].lastIndex(of: 0x0A) { return start + Int64(last) + 1 }
            end = start
        }
        return 0
    }

    /// Hands the first `length` bytes to `sink` in chunks of 1 MiB; a file that got shorter is an error.
    static func read(_ file: PosixFile, length: Int64, into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var position: Int64 = 0
        while position < length {
            let wanted = Int(min(Int64(buffer.count), length - position))
            let count = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<wanted]), at: position)
            if count == 0 {
                throw FileSystemError("read (the transcript got shorter)", path: file.path, errorNumber: EIO)
            }
            try sink(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            position += Int64(count)
        }
    }

    static func newlines(in bytes: UnsafeRawBufferPointer) -> Int {
        var count = 0
        for byte in bytes where byte == 0x0A { count += 1 }
        return count
    }

    static func lineCount(of path: String) throws -> Int {
        var count = 0
        try FileSystem.stream(path) { count += newlines(in: $0) }
        return count
    }
}

/// Compares bytes as they are produced with a file's, a chunk at a time.
private final class OutputComparer {
    private let file: PosixFile
    private var offset: Int64 = 0
    private var equal = true
    private var buffer: [UInt8] = []

    init(path: String) throws {
        file = try PosixFile.openForReading(path, followSymlinks: false)
    }

    func compare(_ chunk: UnsafeRawBufferPointer) {
        guard equal, !chunk.isEmpty else { return }
        if buffer.count < chunk.count { buffer = [UInt8](repeating: 0, count: chunk.count) }
        let count = buffer.withUnsafeMutableBytes { target in
            (try? file.read(into: UnsafeMutableRawBufferPointer(rebasing: target[0..<chunk.count]), at: offset)) ?? -1
        }
        equal =
            count == chunk.count && buffer.withUnsafeBytes { memcmp($0.baseAddress!, chunk.baseAddress!, count) == 0 }
        offset += Int64(chunk.count)
    }

    /// Equal throughout, and the file is no longer than what was produced.
    func isEqual(totalWritten: Int64) -> Bool {
        guard equal, let status = try? file.status() else { return false }
        return status.size == totalWritten
    }
}
