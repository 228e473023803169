import CLibdeflate
import Dispatch
import Foundation

/// Compresses a stream of bytes into one standard gzip member on every core, as pigz does, with
/// libdeflate doing the compressing.
///
/// The input is cut into fixed blocks. Each block is compressed on its own by libdeflate (faster
/// than zlib, and smaller output at the same speed), and every block but the last is made to end
/// non-final on a byte boundary (`DeflateJoint`), so the blocks' outputs concatenate into one
/// deflate stream. Each block's CRC-32 is computed by its worker and combined in order (zlib's
/// `crc32_combine`).
///
/// libdeflate has no preset dictionary, so a block's matches cannot reach into the block before
/// it; blocks are large (`defaultBlockSize`) so that costs little (docs/benchmarks.md measures it).
///
/// Memory is bounded by the blocks in flight (twice the workers, at most what `memoryBudget`
/// holds, plus the one being filled), whatever the input size. Block boundaries depend only on the
/// input, never on the number of workers, so the same input and level always give the same bytes.
///
/// `output` receives the compressed bytes in order, on the thread calling `write` or `finish`.
public final class ParallelGzipEncoder {
    /// 4 MiB: on the benchmark log the output is 0.37% smaller than with 1 MiB blocks and 0.12%
    /// than with 2 MiB (a block's first 32 KiB find no earlier matches); 8 MiB saves 0.06% more
    /// for twice the memory.
    public static let defaultBlockSize = 4 << 20
    /// What the blocks in flight and the one being filled may hold, input and output together:
    /// with 4 MiB blocks, two in flight (one per core here) and one filling, 25 MiB even for
    /// incompressible input, whose output pages are all touched. With three in flight `rotate` of
    /// 200 MB of random bytes peaked at 63.3 MiB, too near the 64 MiB the runs must stay under.
    public static let memoryBudget = 28 << 20

    private let blockSize: Int
    private let maximumInFlight: Int
    private let output: (UnsafeRawBufferPointer) throws -> Void
    private let workers: DispatchQueue
    private let deflaters: BlockDeflaterPool
    private let outputCapacity: Int

    /// Blocks handed to the workers, oldest first.
    private var inFlight: [Block] = []
    private var spare: [Block] = []
    private var filling: Block
    private var crc: UInt32 = 0
    private var inputBytes: Int64 = 0
    private var finished = false

    /// `level` is gzip's 0 to 9 (see `libdeflateLevel(for:)`); `workers` only changes the speed.
    public init(
        level: Int32 = 6, blockSize: Int = ParallelGzipEncoder.defaultBlockSize,
        workers: Int = ProcessInfo.processInfo.activeProcessorCount, output: @escaping (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        precondition(blockSize > 0, "a block holds at least one byte")
        guard (0...9).contains(level) else { throw CompressionError.deflate("level \(level) is not 0 to 9") }
        let first = try BlockDeflater(level: ParallelGzipEncoder.libdeflateLevel(for: level))
        self.blockSize = blockSize
        self.output = output
        // Room for the joint's empty stored block (5 bytes) past libdeflate's bound.
        outputCapacity = first.bound(blockSize) + 8
        let byMemory = ParallelGzipEncoder.memoryBudget / (blockSize + outputCapacity) - 1
        maximumInFlight = max(1, min(2 * max(1, workers), byMemory))
        self.workers = DispatchQueue(label: "logarchive.gzip", attributes: .concurrent)
        deflaters = BlockDeflaterPool(level: ParallelGzipEncoder.libdeflateLevel(for: level), first: first)
        filling = Block(blockSize: blockSize, outputCapacity: outputCapacity)
        try ParallelGzipEncoder.header(level: level).withUnsafeBytes { try output($0) }
    }

    /// libdeflate's level for gzip's `level`: the same number. libdeflate's levels are tuned to
    /// zlib's, so a level keeps its meaning (1 fastest, 9 smallest, 6 the default): on the
    /// benchmark log each is within 2% of `gzip -N`'s size, most smaller, for half the CPU or less
    /// (docs/benchmarks.md). Mapping 6 to 7 would always beat gzip -6's size, but costs about as
    /// much CPU as zlib, which is what the change is for.
    public static func libdeflateLevel(for level: Int32) -> Int32 { min(max(level, 0), 9) }

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
        // With the most blocks in flight, the oldest is waited for, but handed to `output` only
        // once the new block is on its way: the worker it freed starts at once, instead of idling
        // while the output is written and hashed.
        let oldest = inFlight.count >= maximumInFlight ? waitForOldest() : nil
        let block = filling
        block.isLast = last
        inFlight.append(block)
        let deflaters = deflaters
        block.done = DispatchSemaphore(value: 0)
        workers.async { [block] in
            block.compress(using: deflaters)
            block.done.signal()
        }
        // The next block to fill is the oldest, once emitted (three blocks in all, as before).
        defer {
            let next = spare.popLast() ?? Block(blockSize: blockSize, outputCapacity: outputCapacity)
            next.reset()
            filling = next
        }
        if let oldest { try emit(oldest) }
    }

    private func emitOldest() throws {
        try emit(waitForOldest())
    }

    private func waitForOldest() -> Block {
        let block = inFlight.removeFirst()
        block.done.wait()
        return block
    }

    private func emit(_ block: Block) throws {
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

/// One block: its input, and room for its compressed form.
private final class Block: @unchecked Sendable {
    let storage: UnsafeMutableRawBufferPointer
    let compressed: UnsafeMutableRawBufferPointer
    let blockSize: Int
    var dataCount = 0
    var isLast = false
    var compressedCount = 0
    var crc: UInt32 = 0
    var failure: CompressionError?
    var done = DispatchSemaphore(value: 0)

    init(blockSize: Int, outputCapacity: Int) {
        self.blockSize = blockSize
        storage = .allocate(byteCount: blockSize, alignment: 64)
        compressed = .allocate(byteCount: outputCapacity, alignment: 64)
    }

    deinit {
        storage.deallocate()
        compressed.deallocate()
    }

    var isFull: Bool { dataCount == blockSize }

    var freeSpace: UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: storage[dataCount..<blockSize])
    }

    func didFill(_ count: Int) {
        precondition(count >= 0 && dataCount + count <= blockSize)
        dataCount += count
    }

    func append(_ bytes: UnsafeRawBufferPointer) -> Int {
        let count = min(bytes.count, blockSize - dataCount)
        UnsafeMutableRawBufferPointer(rebasing: storage[dataCount...]).copyMemory(
            from: UnsafeRawBufferPointer(rebasing: bytes[0..<count]))
        dataCount += count
        return count
    }

    func reset() {
        dataCount = 0
        isLast = false
        compressedCount = 0
        failure = nil
    }

    func compress(using pool: BlockDeflaterPool) {
        let data = UnsafeRawBufferPointer(rebasing: storage[0..<dataCount])
        crc = libdeflate_crc32(0, data.baseAddress, dataCount)
        let deflater: BlockDeflater
        do {
            deflater = try pool.take()
        } catch {
            failure = error
            return
        }
        defer { pool.give(deflater) }
        do {
            compressedCount = try deflater.compress(data, into: compressed, joinable: !isLast)
        } catch {
            failure = error
        }
    }
}

/// Compressors kept for reuse: allocating one costs more than a small block's compression.
private final class BlockDeflaterPool: @unchecked Sendable {
    private let level: Int32
    private let lock = DispatchSemaphore(value: 1)
    private var idle: [BlockDeflater]

    init(level: Int32, first: BlockDeflater) {
        self.level = level
        idle = [first]
    }

    func take() throws(CompressionError) -> BlockDeflater {
        lock.wait()
        let deflater = idle.popLast()
        lock.signal()
        if let deflater { return deflater }
        return try BlockDeflater(level: level)
    }

    func give(_ deflater: BlockDeflater) {
        lock.wait()
        idle.append(deflater)
        lock.signal()
    }
}

/// A libdeflate compressor and the joint that makes its output joinable, used by one worker at a time.
private final class BlockDeflater {
    private let compressor: OpaquePointer
    private let joint = DeflateJoint()

    init(level: Int32) throws(CompressionError) {
        guard let compressor = libdeflate_alloc_compressor(level) else {
            throw .deflate("libdeflate_alloc_compressor(\(level)) failed")
        }
        self.compressor = compressor
    }

    deinit { libdeflate_free_compressor(compressor) }

    func bound(_ count: Int) -> Int { libdeflate_deflate_compress_bound(compressor, count) }

    /// Compresses `input` as raw deflate into `output` (which holds `bound` of it plus 5 bytes);
    /// returns the bytes written. `joinable`: ends non-final on a byte boundary, for another block to follow.
    func compress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, joinable: Bool) throws(CompressionError) -> Int {
        let count = libdeflate_deflate_compress(compressor, input.baseAddress, input.count, output.baseAddress, output.count - 5)
        guard count > 0 else { throw .deflate("libdeflate_deflate_compress found no room for \(input.count) bytes") }
        return joinable ? try joint.makeJoinable(output, count: count) : count
    }
}
