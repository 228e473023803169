import Foundation

/// Writes table rows as one JSON array, one row object per line (`[\n{…},\n{…}\n]\n`), straight
/// from SQLite's column buffers into a fixed byte buffer that is handed to `sink` whenever it
/// fills: no Swift string per row or per value, and memory bounded by the buffer whatever the
/// table's size.
///
/// Values keep their SQLite type: INTEGER and REAL as numbers, TEXT as a string (escaped, invalid
/// UTF-8 replaced by U+FFFD, secrets replaced by `[REDACTED]`), BLOB as a base64 string, NULL as
/// null. A redacted column's non-null values become the string `[REDACTED]`.
final class RowJSONWriter {
    /// A column's key, already escaped and quoted with its colon, and whether it is redacted.
    private struct Column {
        let key: [UInt8]
        let redacted: Bool
    }

    private let columns: [Column]
    private let scanner = SecretScanner()
    private var secrets: [SecretMatch] = []
    private let buffer: UnsafeMutableRawBufferPointer
    private var used = 0
    private let sink: (UnsafeRawBufferPointer) throws -> Void
    private(set) var rowsWritten: Int64 = 0

    /// Text is escaped in pieces of this many bytes, each needing at most six times its size in
    /// the buffer (a control byte becomes `\u00XX`).
    private static let pieceSize = 8 * 1024
    private static let redactedValue: [UInt8] = Array("\"[REDACTED]\"".utf8)

    init(
        columnNames: [String], redactedColumns: Set<String>, bufferSize: Int = 256 * 1024,
        sink: @escaping (UnsafeRawBufferPointer) throws -> Void
    ) {
        precondition(bufferSize >= 8 * RowJSONWriter.pieceSize, "the buffer must hold an escaped piece")
        columns = columnNames.map { name in
            Column(key: Array((JSONWriter.compact(.string(name)) + ":").utf8), redacted: redactedColumns.contains(name))
        }
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
        self.sink = sink
        appendLiteral("[\n")
    }

    deinit {
        buffer.deallocate()
    }

    /// Writes the current row of `statement`, whose columns from `firstColumn` on are the
    /// table's columns in the order given to `init`.
    func writeRow(from statement: SQLiteStatement, firstColumn: Int32) throws {
        if rowsWritten > 0 { appendLiteral(",\n") }
        appendLiteral("{")
        for (offset, column) in columns.enumerated() {
            let index = firstColumn + Int32(offset)
            reserve(column.key.count + 32)
            if offset > 0 { appendByte(UInt8(ascii: ",")) }
            append(column.key)
            switch statement.columnType(index) {
            case SQLiteType.null:
                appendLiteral("null")
            case _ where column.redacted:
                append(Self.redactedValue)
            case SQLiteType.integer:
                appendInteger(statement.int64(index))
            case SQLiteType.real:
                let value = statement.double(index)
                if value.isFinite {
                    var text = value.description
                    text.withUTF8 { copyIn(UnsafeRawBufferPointer($0)) }
                } else {
                    appendLiteral("null")
                }
            case SQLiteType.blob:
                try statement.withBlobBytes(index) { try appendBase64($0) }
            default:
                try statement.withTextBytes(index) { try appendText($0) }
            }
            try flushIfNearlyFull()
        }
        appendLiteral("}")
        rowsWritten += 1
        try flushIfNearlyFull()
    }

    /// Closes the array and hands over what is left in the buffer.
    func finish() throws {
        appendLiteral(rowsWritten > 0 ? "\n]\n" : "]\n")
        try flush()
    }

    // MARK: - Values

    private func appendText(_ text: UnsafeRawBufferPointer) throws {
        let bytes = text.bindMemory(to: UInt8.self)
        scanner.findSecrets(in: text, into: &secrets)
        appendByte(UInt8(ascii: "\""))
        var position = 0
        for secret in secrets {
            try appendEscaped(bytes, from: position, to: secret.start)
            let marker = RedactionMarker.plain.bytes(for: secret.rule)
            reserve(marker.count)
            append(marker)
            try flushIfNearlyFull()
            position = secret.end
        }
        try appendEscaped(bytes, from: position, to: bytes.count)
        reserve(1)
        appendByte(UInt8(ascii: "\""))
    }

    /// JSON string escaping of `bytes[start..<end]`, replacing invalid UTF-8 with U+FFFD.
    private func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) throws {
        var index = start
        while index < end {
            let pieceEnd = min(end, index + Self.pieceSize)
            // A multi-byte character may run up to 3 bytes past the piece: room for it too.
            reserve((pieceEnd - index) * 6 + 8)
            let output = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var out = used
            while index < pieceEnd {
                let byte = bytes[index]
                if byte >= 0x20 && byte < 0x80 {
                    if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                        output[out] = UInt8(ascii: "\\")
                        out += 1
                    }
                    output[out] = byte
                    out += 1
                    index += 1
                } else if byte < 0x20 {
                    out = writeControlEscape(byte, into: output, at: out)
                    index += 1
                } else {
                    let length = Self.validSequenceLength(bytes, at: index, end: end)
                    if length == 0 {
                        // U+FFFD REPLACEMENT CHARACTER for each byte that starts no valid character.
                        output[out] = 0xEF
                        output[out + 1] = 0xBF
                        output[out + 2] = 0xBD
                        out += 3
                        index += 1
                    } else {
                        for offset in 0..<length { output[out + offset] = bytes[index + offset] }
                        out += length
                        index += length
                    }
                }
            }
            used = out
            try flushIfNearlyFull()
        }
    }

    private func writeControlEscape(_ byte: UInt8, into output: UnsafeMutablePointer<UInt8>, at start: Int) -> Int {
        output[start] = UInt8(ascii: "\\")
        let short: UInt8? =
            switch byte {
            case 0x0A: UInt8(ascii: "n")
            case 0x0D: UInt8(ascii: "r")
            case 0x09: UInt8(ascii: "t")
            case 0x08: UInt8(ascii: "b")
            case 0x0C: UInt8(ascii: "f")
            default: nil
            }
        if let short {
            output[start + 1] = short
            return start + 2
        }
        let hex = Self.hexDigits
        output[start + 1] = UInt8(ascii: "u")
        output[start + 2] = UInt8(ascii: "0")
        output[start + 3] = UInt8(ascii: "0")
        output[start + 4] = hex[Int(byte >> 4)]
        output[start + 5] = hex[Int(byte & 0x0F)]
        return start + 6
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// The length of the well-formed UTF-8 character at `index` (Unicode table 3-7: no overlong
    /// forms, no surrogates, nothing past U+10FFFF), or 0 when there is none.
    static func validSequenceLength(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, end: Int) -> Int {
        let lead = bytes[index]
        func continuation(_ offset: Int, _ range: ClosedRange<UInt8> = 0x80...0xBF) -> Bool {
            index + offset < end && range.contains(bytes[index + offset])
        }
        switch lead {
        case 0xC2...0xDF:
            return continuation(1) ? 2 : 0
        case 0xE0:
            return continuation(1, 0xA0...0xBF) && continuation(2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF:
            return continuation(1) && continuation(2) ? 3 : 0
        case 0xED:
            return continuation(1, 0x80...0x9F) && continuation(2) ? 3 : 0
        case 0xF0:
            return continuation(1, 0x90...0xBF) && continuation(2) && continuation(3) ? 4 : 0
        case 0xF1...0xF3:
            return continuation(1) && continuation(2) && continuation(3) ? 4 : 0
        case 0xF4:
            return continuation(1, 0x80...0x8F) && continuation(2) && continuation(3) ? 4 : 0
        default:
            return 0
        }
    }

    /// Decimal digits written backwards straight into the buffer.
    private func appendInteger(_ value: Int64) {
        if value < 0 { appendByte(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digitCount = 1
        var probe = magnitude
        while probe >= 10 {
            probe /= 10
            digitCount += 1
        }
        var position = used + digitCount
        used = position
        repeat {
            position -= 1
            buffer[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
    }

    /// Standard base64 with padding (Foundation's), in pieces of whole 3-byte groups so a large
    /// blob never outgrows the buffer and the pieces join into one encoding.
    private func appendBase64(_ blob: UnsafeRawBufferPointer) throws {
        reserve(1)
        appendByte(UInt8(ascii: "\""))
        var index = 0
        while index < blob.count {
            let pieceEnd = min(blob.count, index + 3 * Self.pieceSize)
            let encoded = Data(UnsafeRawBufferPointer(rebasing: blob[index..<pieceEnd])).base64EncodedData()
            reserve(encoded.count + 1)
            encoded.withUnsafeBytes { copyIn($0) }
            index = pieceEnd
            try flushIfNearlyFull()
        }
        reserve(1)
        appendByte(UInt8(ascii: "\""))
    }

    // MARK: - Buffer

    private func appendLiteral(_ literal: StaticString) {
        reserve(literal.utf8CodeUnitCount)
        copyIn(UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    private func append(_ bytes: [UInt8]) {
        reserve(bytes.count)
        bytes.withUnsafeBytes { copyIn($0) }
    }

    private func appendByte(_ byte: UInt8) {
        buffer[used] = byte
        used += 1
    }

    private func copyIn(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        (buffer.baseAddress! + used).copyMemory(from: source, byteCount: bytes.count)
        used += bytes.count
    }

    /// Makes room for `count` bytes. Only the fixed-size parts of a row go through here without a
    /// throwing flush first, so the buffer's spare capacity (an eighth of it) always covers them;
    /// past that, the bytes are kept and flushed with the next `flushIfNearlyFull`.
    private func reserve(_ count: Int) {
        precondition(used + count <= buffer.count, "RowJSONWriter: a write larger than its buffer")
    }

    /// Hands the buffer to the sink once less than an escaped piece's worth of room is left.
    private func flushIfNearlyFull() throws {
        if buffer.count - used < 7 * Self.pieceSize { try flush() }
    }

    private func flush() throws {
        guard used > 0 else { return }
        try sink(UnsafeRawBufferPointer(rebasing: buffer[0..<used]))
        used = 0
    }
}
