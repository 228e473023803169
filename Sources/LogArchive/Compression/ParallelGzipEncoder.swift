import CZlib
import Dispatch
import Foundation

/// Compresses a stream of bytes into one standard gzip member on every core, as pigz does.
///
/// The input is cut into fixed blocks. Each block is deflated on its own (raw deflate, primed with
/// the 32 KiB of input before it as dictionary, so matches reach across block boundaries and the
/// output stays within a fraction of a percent of a single stream) and ends on a byte boundary
/// (`Z_SYNC_FLUSH`), so the blocks' outputs concatenate into one deflate stream; the last block is
/// finished with `Z_FINISH`. Each block's CRC-32 is computed by its worker and combined in order.
///
/// Memory is bounded by the blocks in flight (twice the workers, plus the one being filled),
/// whatever the input size. Block boundaries depend only on the input, never on the number of
/// workers, so the same input always compresses to the same bytes.
///
/// `output` receives the compressed bytes in order, on the thread calling `write` or `finish`.
public final class ParallelGzipEncoder {
    public static let dictionarySize = 32 * 1024

    private let level: Int32
    private let blockSize: Int
    private let maximumInFlight: Int
    private let output: (UnsafeRawBufferPointer) throws -> Void
    private let workers: DispatchQueue
    private let deflaters: DeflaterPool

    /// Blocks handed to the workers, oldest first.
    private var inFlight: [Block] = []
    private var spare: [Block] = []
    private var filling: Block
    private var crc: UInt32 = 0
    private var inputBytes: Int64 = 0
    private var finished = false

    public init(
        level: Int32 = 6, blockSize: Int = 1 << 20, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
        output: @escaping (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        precondition(blockSize >= ParallelGzipEncoder.dictionarySize, "a block must hold at least a dictionary")
        guard (0...9).contains(level) else { throw CompressionError.zlib("level \(level) (not 0 to 9)", Z_STREAM_ERROR) }
        self.level = level
        self.blockSize = blockSize
        self.output = output
        let workerCount = max(1, workers)
        maximumInFlight = 2 * workerCount
        self.workers = DispatchQueue(label: "logarchive.gzip", attributes: .concurrent)
        deflaters = DeflaterPool(level: level)
        filling = Block(blockSize: blockSize)
        try ParallelGzipEncoder.header(level: level).withUnsafeBytes { try output($0) }
    }

    deinit {
        // Workers may still be reading blocks when an error ends the stream early.
        for block in inFlight { block.done.wait() }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(!finished, "write after finish")
        var remaining = bytes
        while !remaining.isEmpty {
            let taken = filling.append(remaining)
            remaining = UnsafeRawBufferPointer(rebasing: remaining[taken...])
            if filling.isFull { try submit(last: false) }
        }
    }

    /// Lets `read` fill the block being built directly (no copy through another buffer); returns
    /// what `read` returned, the byte count, 0 meaning the end of the input.
    @discardableResult
    public func write(readingWith read: (UnsafeMutableRawBufferPointer) throws -> Int) throws -> Int {
        precondition(!finished, "write after finish")
        let count = try read(filling.freeSpace)
        filling.didFill(count)
        if filling.isFull { try submit(last: false) }
        return count
    }

    /// Compresses what is left, writes the gzip trailer, and returns the input's size and CRC-32.
    @discardableResult
    public func finish() throws -> (inputBytes: Int64, crc32: UInt32) {
        precondition(!finished, "finish twice")
        finished = true
        try submit(last: true)
        while !inFlight.isEmpty { try emitOldest() }
        var trailer = [UInt8](repeating: 0, count: 8)
        for index in 0..<4 {
            trailer[index] = UInt8(truncatingIfNeeded: crc >> (8 * index))
            trailer[4 + index] = UInt8(truncatingIfNeeded: UInt64(inputBytes) >> (8 * index))
        }
        try trailer.withUnsafeBytes { try output($0) }
        return (inputBytes, crc)
    }

    private func submit(last: Bool) throws {
        if inFlight.count >= maximumInFlight { try emitOldest() }
        let block = filling
        block.isLast = last
        inFlight.append(block)
        let next = spare.popLast() ?? Block(blockSize: blockSize)
        // The next block's dictionary is the tail of this one's input, copied before any reuse.
        next.reset(primedWith: block)
        filling = next
        let deflaters = deflaters
        block.done = DispatchSemaphore(value: 0)
        workers.async { [block] in
            block.compress(using: deflaters)
            block.done.signal()
        }
    }

    private func emitOldest() throws {
        let block = inFlight.removeFirst()
        block.done.wait()
        defer { spare.append(block) }
        if let failure = block.failure { throw failure }
        try output(UnsafeRawBufferPointer(rebasing: block.compressed[0..<block.compressedCount]))
        crc = CRC32.combine(crc, block.crc, secondLength: Int64(block.dataCount))
        inputBytes += Int64(block.dataCount)
    }

    /// The 10-byte gzip header: no name, no time (so the output depends on the input alone),
    /// the compression hint gzip itself writes for levels 1 and 9, and Unix as the system.
    private static func header(level: Int32) -> [UInt8] {
        let hint: UInt8 = level >= 9 ? 2 : level == 1 ? 4 : 0
        return [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, hint, 3]
    }
}

/// One block: its dictionary and input in one buffer, and room for its compressed form.
private final class Block: @unchecked Sendable {
    let storage: UnsafeMutableRawBufferPointer
    let compressed: UnsafeMutableRawBufferPointer
    let blockSize: Int
    var dictionaryCount = 0
    var dataCount = 0
    var isLast = false
    var compressedCount = 0
    var crc: UInt32 = 0
    var failure: CompressionError?
    var done = DispatchSemaphore(value: 0)

    init(blockSize: Int) {
        self.blockSize = blockSize
        storage = .allocate(byteCount: ParallelGzipEncoder.dictionarySize + blockSize, alignment: 64)
        // deflateBound for a whole stream, plus the sync flush marker and slack.
        let bound = Int(deflateBound(nil, uLong(blockSize))) + 64
        compressed = .allocate(byteCount: bound, alignment: 64)
    }

    deinit {
        storage.deallocate()
        compressed.deallocate()
    }

    var isFull: Bool { dataCount == blockSize }

    private var dataStart: Int { ParallelGzipEncoder.dictionarySize }

    var freeSpace: UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: storage[(dataStart + dataCount)..<(dataStart + blockSize)])
    }

    func didFill(_ count: Int) {
        precondition(count >= 0 && dataCount + count <= blockSize)
        dataCount += count
    }

    func append(_ bytes: UnsafeRawBufferPointer) -> Int {
        let count = min(bytes.count, blockSize - dataCount)
        UnsafeMutableRawBufferPointer(rebasing: storage[(dataStart + dataCount)...]).copyMemory(
            from: UnsafeRawBufferPointer(rebasing: bytes[0..<count]))
        dataCount += count
        return count
    }

    /// Empties the block and primes it with the last 32 KiB of `previous`'s dictionary and input.
    func reset(primedWith previous: Block) {
        let available = previous.dictionaryCount + previous.dataCount
        dictionaryCount = min(ParallelGzipEncoder.dictionarySize, available)
        let end = dataStart + previous.dataCount
        UnsafeMutableRawBufferPointer(rebasing: storage[(dataStart - dictionaryCount)..<dataStart]).copyMemory(
            from: UnsafeRawBufferPointer(rebasing: previous.storage[(end - dictionaryCount)..<end]))
        dataCount = 0
        isLast = false
        compressedCount = 0
        failure = nil
    }

    func compress(using pool: DeflaterPool) {
        let data = UnsafeRawBufferPointer(rebasing: storage[dataStart..<(dataStart + dataCount)])
        crc = UInt32(truncatingIfNeeded: crc32(0, data.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(dataCount)))
        let stream = pool.take()
        defer { pool.give(stream) }
        do {
            let dictionary = UnsafeRawBufferPointer(rebasing: storage[(dataStart - dictionaryCount)..<dataStart])
            compressedCount = try stream.deflateBlock(data, dictionary: dictionary, last: isLast, into: compressed)
        } catch {
            failure = error
        }
    }
}

/// Raw deflate streams kept for reuse: setting one up costs more than resetting it.
private final class DeflaterPool: @unchecked Sendable {
    private let level: Int32
    private let lock = DispatchSemaphore(value: 1)
    private var idle: [RawDeflater] = []

    init(level: Int32) { self.level = level }

    func take() -> RawDeflater {
        lock.wait()
        let stream = idle.popLast()
        lock.signal()
        return stream ?? RawDeflater(level: level)
    }

    func give(_ stream: RawDeflater) {
        lock.wait()
        idle.append(stream)
        lock.signal()
    }
}

/// A raw (headerless) deflate stream at a fixed address, as zlib requires.
private final class RawDeflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private let status: Int32

    init(level: Int32) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        status = logarchive_deflate_init_raw(stream, level)
    }

    deinit {
        if status == Z_OK { deflateEnd(stream) }
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Deflates one block into `output`, which must hold `deflateBound` of it; returns the bytes written.
    func deflateBlock(
        _ input: UnsafeRawBufferPointer, dictionary: UnsafeRawBufferPointer, last: Bool, into output: UnsafeMutableRawBufferPointer
    ) throws(CompressionError) -> Int {
        guard status == Z_OK else { throw .zlib("deflateInit2", status) }
        var result = deflateReset(stream)
        guard result == Z_OK else { throw .zlib("deflateReset", result) }
        if !dictionary.isEmpty {
            result = deflateSetDictionary(stream, dictionary.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(dictionary.count))
            guard result == Z_OK else { throw .zlib("deflateSetDictionary", result) }
        }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(output.count)
        result = deflate(stream, last ? Z_FINISH : Z_SYNC_FLUSH)
        let complete = last ? result == Z_STREAM_END : result == Z_OK && stream.pointee.avail_in == 0
        // The output buffer holds the bound, so one call always completes the block.
        guard complete, stream.pointee.avail_out > 0 else { throw .zlib("deflate", result) }
        return output.count - Int(stream.pointee.avail_out)
    }
}
