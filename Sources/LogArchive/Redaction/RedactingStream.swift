import Glibc

/// Redacts a stream of bytes of any length in a fixed buffer: bytes are written in pieces of any
/// size, and come out to `sink` with each secret replaced by its marker, counted per rule.
///
/// The buffer holds the bytes not yet decided. Each time it fills, it is scanned up to
/// `SecretScanner.lookahead` before its end; what was scanned goes to the sink (straight from the
/// buffer, no copy), and the undecided tail, with `lookbehind` bytes before it, moves to the front.
/// So a secret split across two writes, or across the buffer's end, is found as in the whole text;
/// a token longer than the buffer is dropped to its end however far that is.
public final class RedactingStream {
    public static let defaultBufferSize = 256 * 1024
    /// Room for the undecided tail and as much again to scan.
    public static let minimumBufferSize = 2 * (SecretScanner.lookahead + SecretScanner.lookbehind) + 1024

    public private(set) var counts = RedactionCounts()
    /// Bytes written in and handed out.
    public private(set) var bytesIn: Int64 = 0
    public private(set) var bytesOut: Int64 = 0

    private let scanner = SecretScanner()
    private let marker: RedactionMarker
    private let buffer: UnsafeMutableBufferPointer<UInt8>
    private var filled = 0
    /// The first byte not yet scanned.
    private var scanFrom = 0
    /// The first byte not yet handed out (or dropped, inside a secret).
    private var emitted = 0
    /// A secret's last run went to the end of the buffer: its bytes that follow are dropped too.
    private var continuation: SecretByteClass?
    private var matches: [SecretMatch] = []
    private var finished = false
    private let sink: (UnsafeRawBufferPointer) throws -> Void

    public init(
        marker: RedactionMarker = .named, bufferSize: Int = RedactingStream.defaultBufferSize,
        sink: @escaping (UnsafeRawBufferPointer) throws -> Void
    ) {
        precondition(bufferSize >= Self.minimumBufferSize, "RedactingStream: the buffer must hold twice the lookahead")
        self.marker = marker
        buffer = UnsafeMutableBufferPointer.allocate(capacity: bufferSize)
        self.sink = sink
    }

    deinit {
        buffer.deallocate()
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(!finished, "RedactingStream: write after finish")
        var offset = 0
        bytesIn += Int64(bytes.count)
        while offset < bytes.count {
            let count = min(buffer.count - filled, bytes.count - offset)
            if let source = bytes.baseAddress, let target = buffer.baseAddress {
                memcpy(target + filled, source + offset, count)
            }
            filled += count
            offset += count
            if filled == buffer.count { try process(final: false) }
        }
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Scans and hands out what is left: the text ends here.
    public func finish() throws {
        guard !finished else { return }
        try process(final: true)
        finished = true
    }

    private func process(final: Bool) throws {
        let bytes = UnsafeBufferPointer(rebasing: buffer[0..<filled])
        if let kind = continuation {
            var end = scanFrom
            while end < filled, kind.contains(bytes[end]) { end += 1 }
            scanFrom = end
            emitted = end
            if end == filled && !final {
                compact()
                return
            }
            continuation = nil
        }
        let scanEnd = final ? filled : max(scanFrom, filled - SecretScanner.lookahead)
        matches.removeAll(keepingCapacity: true)
        let reached = scanner.scan(bytes, from: scanFrom, to: scanEnd, final: final) { matches.append($0) }
        for match in matches {
            try emit(from: emitted, to: match.start)
            try marker.bytes(for: match.rule).withUnsafeBytes { marker in
                bytesOut += Int64(marker.count)
                try sink(marker)
            }
            counts[match.rule] += 1
            emitted = match.end
            continuation = match.continuation
        }
        try emit(from: emitted, to: reached)
        emitted = reached
        scanFrom = reached
        if final {
            filled = 0
            scanFrom = 0
            emitted = 0
        } else {
            compact()
        }
    }

    private func emit(from start: Int, to end: Int) throws {
        guard end > start else { return }
        bytesOut += Int64(end - start)
        try sink(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: buffer[start..<end])))
    }

    /// Moves the unscanned tail, and the bytes a decision looks back at, to the front.
    private func compact() {
        let keep = max(0, scanFrom - SecretScanner.lookbehind)
        guard keep > 0, let base = buffer.baseAddress else { return }
        (base).update(from: base + keep, count: filled - keep)
        filled -= keep
        scanFrom -= keep
        emitted -= keep
    }
}

/// Redaction of whole values and files through the one scanner.
public enum Redactor {
    /// `bytes` with every secret replaced, and the counts.
    public static func redact(_ bytes: [UInt8], marker: RedactionMarker = .named) -> (
        bytes: [UInt8], counts: RedactionCounts
    ) {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        let stream = RedactingStream(marker: marker) { output.append(contentsOf: $0) }
        // The sink above never throws.
        try? stream.write(bytes)
        try? stream.finish()
        return (output, stream.counts)
    }

    public static func redact(_ text: String, marker: RedactionMarker = .named) -> (
        text: String, counts: RedactionCounts
    ) {
        let result = redact(Array(text.utf8), marker: marker)
        return (String(decoding: result.bytes, as: UTF8.self), result.counts)
    }
}
