/// Turns a complete raw deflate stream into one that another stream can follow byte for byte.
///
/// libdeflate compresses a whole buffer and always marks its last deflate block final (BFINAL).
/// To join blocks compressed apart into one stream, as pigz does with zlib's `Z_SYNC_FLUSH`, every
/// piece but the last must instead end with a non-final block and on a byte boundary. Where that
/// last block starts is known only by walking the stream's blocks, so `DeflateJoint` decodes the
/// Huffman codes (without writing any output: a few percent of the cost of compressing), clears
/// the final bit of the last block, and appends an empty stored block (`00 00 ff ff` after three
/// zero header bits), the same marker zlib's sync flush writes.
///
/// One per worker: it keeps its decoding tables between calls.
final class DeflateJoint {
    /// Codes of up to this many bits are decoded by one table lookup; longer ones bit by bit.
    private static let fastBits = 10
    private static let maximumCodeLength = 15

    private let litLenFast: UnsafeMutablePointer<UInt16>
    private let distanceFast: UnsafeMutablePointer<UInt16>
    private let codeLengthFast: UnsafeMutablePointer<UInt16>
    private var litLenCode = CanonicalCode(symbols: 288)
    private var distanceCode = CanonicalCode(symbols: 32)
    private var codeLengthCode = CanonicalCode(symbols: 19)
    private let lengths = UnsafeMutablePointer<UInt8>.allocate(capacity: 288 + 32)
    private let codeLengthLengths = UnsafeMutablePointer<UInt8>.allocate(capacity: 19)

    init() {
        let size = 1 << DeflateJoint.fastBits
        litLenFast = .allocate(capacity: size)
        distanceFast = .allocate(capacity: size)
        codeLengthFast = .allocate(capacity: size)
    }

    deinit {
        litLenFast.deallocate()
        distanceFast.deallocate()
        codeLengthFast.deallocate()
        lengths.deallocate()
        codeLengthLengths.deallocate()
    }

    /// Rewrites the stream in `buffer[0..<count]` to end non-final on a byte boundary and returns
    /// its new length (at most `count + 5`; `buffer` must have that room).
    func makeJoinable(_ buffer: UnsafeMutableRawBufferPointer, count: Int) throws(CompressionError) -> Int {
        guard count + 5 <= buffer.count else { throw .deflate("no room to end the block on a byte boundary") }
        let bytes = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let (lastHeader, end) = try lastBlock(in: UnsafePointer(bytes), count: count)
        bytes[lastHeader >> 3] &= ~UInt8(1 << (lastHeader & 7))
        // An empty stored block: BFINAL 0 and type 00 (three zero bits), zeros to the byte
        // boundary, then LEN 0 and NLEN ffff.
        let endByte = end >> 3
        let endBit = end & 7
        var next = endByte
        if endBit > 0 {
            bytes[endByte] &= UInt8((1 << endBit) - 1)
            next += 1
        }
        let headerEnd = (end + 3 + 7) >> 3
        while next < headerEnd {
            bytes[next] = 0
            next += 1
        }
        bytes[next] = 0
        bytes[next + 1] = 0
        bytes[next + 2] = 0xFF
        bytes[next + 3] = 0xFF
        return next + 4
    }

    /// The bit offsets of the last block's header and of the end of the stream (just past the
    /// last block's end-of-block code, or its stored bytes).
    func lastBlock(in bytes: UnsafePointer<UInt8>, count: Int) throws(CompressionError) -> (header: Int, end: Int) {
        var reader = BitReader(bytes: bytes, count: count)
        while true {
            let header = reader.position
            reader.refill()
            let isFinal = reader.take(1) == 1
            switch reader.take(2) {
            case 0:
                reader.alignToByte()
                reader.refill()
                let length = Int(reader.take(16))
                let complement = Int(reader.take(16))
                guard length ^ 0xFFFF == complement else { throw .deflate("a stored block's length does not check") }
                reader.skipBytes(length)
            case 1:
                try decodeFixedBlock(&reader)
            case 2:
                try decodeDynamicBlock(&reader)
            default:
                throw .deflate("a block of reserved type 3")
            }
            guard reader.position <= count * 8 else { throw .deflate("the stream ends inside a block") }
            if isFinal { return (header, reader.position) }
        }
    }

    // MARK: - Blocks

    private func decodeFixedBlock(_ reader: inout BitReader) throws(CompressionError) {
        for symbol in 0..<288 { lengths[symbol] = symbol < 144 ? 8 : symbol < 256 ? 9 : symbol < 280 ? 7 : 8 }
        for symbol in 0..<32 { lengths[288 + symbol] = 5 }
        try litLenCode.build(lengths, count: 288, fast: litLenFast)
        try distanceCode.build(lengths + 288, count: 32, fast: distanceFast)
        try skipSymbols(&reader)
    }

    private func decodeDynamicBlock(_ reader: inout BitReader) throws(CompressionError) {
        reader.refill()
        let litLenCount = Int(reader.take(5)) + 257
        let distanceCount = Int(reader.take(5)) + 1
        let codeLengthCount = Int(reader.take(4)) + 4
        guard litLenCount <= 286, distanceCount <= 30 else { throw .deflate("too many codes in a block header") }
        let order = DeflateJoint.codeLengthOrder
        codeLengthLengths.initialize(repeating: 0, count: 19)
        reader.refill()
        for index in 0..<codeLengthCount {
            if index == 10 { reader.refill() }
            codeLengthLengths[order[index]] = UInt8(reader.take(3))
        }
        try codeLengthCode.build(codeLengthLengths, count: 19, fast: codeLengthFast)
        let total = litLenCount + distanceCount
        var index = 0
        while index < total {
            reader.refill()
            let entry = codeLengthFast[Int(reader.peek(UInt64(1 << DeflateJoint.fastBits) - 1))]
            let symbol: Int
            if entry != 0 {
                reader.drop(Int(entry & 15))
                symbol = Int(entry >> 4)
            } else {
                symbol = try codeLengthCode.decodeLong(&reader)
            }
            switch symbol {
            case 0..<16:
                lengths[index] = UInt8(symbol)
                index += 1
            case 16:
                guard index > 0 else { throw .deflate("a repeat with nothing to repeat") }
                let repeated = lengths[index - 1]
                let times = 3 + Int(reader.take(2))
                guard index + times <= total else { throw .deflate("code lengths overrun the header") }
                for _ in 0..<times { lengths[index] = repeated; index += 1 }
            default:
                let times = symbol == 17 ? 3 + Int(reader.take(3)) : 11 + Int(reader.take(7))
                guard index + times <= total else { throw .deflate("code lengths overrun the header") }
                for _ in 0..<times { lengths[index] = 0; index += 1 }
            }
        }
        guard lengths[256] != 0 else { throw .deflate("a block with no end-of-block code") }
        try litLenCode.build(lengths, count: litLenCount, fast: litLenFast)
        try distanceCode.build(lengths + litLenCount, count: distanceCount, fast: distanceFast)
        try skipSymbols(&reader)
    }

    /// Walks literals and matches up to the end-of-block code.
    private func skipSymbols(_ reader: inout BitReader) throws(CompressionError) {
        let litLenFast = litLenFast
        let distanceFast = distanceFast
        let mask = UInt64(1 << DeflateJoint.fastBits) - 1
        while true {
            // A refill leaves at least 56 bits: a literal/length code and its extra bits (20), then
            // a distance code and its extra bits (28).
            reader.refill()
            let entry = litLenFast[Int(reader.peek(mask))]
            let symbol: Int
            if entry != 0 {
                reader.drop(Int(entry & 15))
                symbol = Int(entry >> 4)
            } else {
                symbol = try litLenCode.decodeLong(&reader)
            }
            if symbol < 256 { continue }
            if symbol == 256 { return }
            guard symbol <= 285 else { throw .deflate("an invalid length code") }
            reader.drop(DeflateJoint.lengthExtraBits(symbol))
            let distanceEntry = distanceFast[Int(reader.peek(mask))]
            let distance: Int
            if distanceEntry != 0 {
                reader.drop(Int(distanceEntry & 15))
                distance = Int(distanceEntry >> 4)
            } else {
                distance = try distanceCode.decodeLong(&reader)
            }
            guard distance < 30 else { throw .deflate("an invalid distance code") }
            // Distance codes 0-3 have no extra bits, then one more every second code.
            reader.drop(distance < 4 ? 0 : (distance >> 1) - 1)
            if reader.isPastEnd { throw .deflate("the stream ends inside a block") }
        }
    }

    /// Extra bits of length codes 257-285: none up to 264 and for 285, then one more every fourth code.
    @inline(__always)
    private static func lengthExtraBits(_ symbol: Int) -> Int {
        symbol < 265 || symbol == 285 ? 0 : (symbol - 261) >> 2
    }

    private static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    // MARK: - Codes

    /// A canonical Huffman code: a table for codes up to `fastBits` long (entry: symbol << 4 | length,
    /// 0 for a longer code), and counts and symbols in code order for the rest (as zlib's puff decodes).
    private struct CanonicalCode {
        var counts = [Int](repeating: 0, count: DeflateJoint.maximumCodeLength + 1)
        var sorted: [Int]

        init(symbols: Int) { sorted = [Int](repeating: 0, count: symbols) }

        mutating func build(_ lengths: UnsafePointer<UInt8>, count: Int, fast: UnsafeMutablePointer<UInt16>) throws(CompressionError) {
            let fastBits = DeflateJoint.fastBits
            for length in 0...DeflateJoint.maximumCodeLength { counts[length] = 0 }
            for symbol in 0..<count { counts[Int(lengths[symbol])] += 1 }
            counts[0] = 0
            var left = 1
            for length in 1...DeflateJoint.maximumCodeLength {
                left = left * 2 - counts[length]
                guard left >= 0 else { throw .deflate("an over-subscribed Huffman code") }
            }
            var offsets = [Int](repeating: 0, count: DeflateJoint.maximumCodeLength + 2)
            for length in 1...DeflateJoint.maximumCodeLength { offsets[length + 1] = offsets[length] + counts[length] }
            for symbol in 0..<count where lengths[symbol] != 0 {
                sorted[offsets[Int(lengths[symbol])]] = symbol
                offsets[Int(lengths[symbol])] += 1
            }
            fast.initialize(repeating: 0, count: 1 << fastBits)
            // Canonical codes in order of length then symbol; the table is indexed by the code's
            // bits as they arrive (reversed), every entry whose low bits are the code.
            var code = 0
            var position = 0
            for length in 1...min(fastBits, DeflateJoint.maximumCodeLength) {
                for _ in 0..<counts[length] {
                    var reversed = 0
                    for bit in 0..<length where code & (1 << bit) != 0 { reversed |= 1 << (length - 1 - bit) }
                    let entry = UInt16(sorted[position] << 4 | length)
                    var index = reversed
                    while index < 1 << fastBits {
                        fast[index] = entry
                        index += 1 << length
                    }
                    code += 1
                    position += 1
                }
                code <<= 1
            }
        }

        /// The next symbol, bit by bit, for a code longer than the table's; the reader holds at
        /// least 15 bits (refilled by the caller).
        func decodeLong(_ reader: inout BitReader) throws(CompressionError) -> Int {
            var code = 0
            var first = 0
            var index = 0
            for length in 1...DeflateJoint.maximumCodeLength {
                code |= Int(reader.take(1))
                let count = counts[length]
                if code - first < count { return sorted[index + code - first] }
                index += count
                first = (first + count) << 1
                code <<= 1
            }
            throw .deflate("an incomplete Huffman code")
        }
    }

    /// Bits in deflate's order (least significant first), 56 or more after each refill; past the
    /// end it reads zeros and remembers that it did.
    struct BitReader {
        let bytes: UnsafePointer<UInt8>
        let count: Int
        private var next = 0
        private var buffer: UInt64 = 0
        private var available = 0

        init(bytes: UnsafePointer<UInt8>, count: Int) {
            self.bytes = bytes
            self.count = count
        }

        /// Bits consumed so far.
        var position: Int { next * 8 - available }
        var isPastEnd: Bool { position > count * 8 }

        @inline(__always)
        mutating func refill() {
            if next + 8 <= count {
                // Whole bytes only, so the bytes read again next time land where they already are.
                buffer |= UnsafeRawPointer(bytes + next).loadUnaligned(as: UInt64.self).littleEndian << UInt64(available)
                next += (63 - available) >> 3
                available |= 56
            } else {
                while available <= 56 {
                    if next < count { buffer |= UInt64(bytes[next]) << UInt64(available) }
                    next += 1
                    available += 8
                }
            }
        }

        @inline(__always)
        func peek(_ mask: UInt64) -> UInt64 { buffer & mask }

        @inline(__always)
        mutating func drop(_ bits: Int) {
            buffer >>= UInt64(bits)
            available -= bits
        }

        @inline(__always)
        mutating func take(_ bits: Int) -> UInt64 {
            let value = buffer & ((1 << UInt64(bits)) - 1)
            drop(bits)
            return value
        }

        mutating func alignToByte() { drop(available & 7) }

        /// Skips whole bytes from a byte boundary, emptying the buffer.
        mutating func skipBytes(_ length: Int) {
            next = next - available / 8 + length
            buffer = 0
            available = 0
        }
    }
}
