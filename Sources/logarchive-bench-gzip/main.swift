// Compresses one file with `ParallelGzipEncoder` at a chosen level, block size and worker count,
// and prints the time and the output's size: for choosing the block size and the level mapping
// (docs/benchmarks.md). Not installed; scripts/bench-compress.sh runs it.
//
//   logarchive-bench-gzip FILE [--level 6] [--block-size 4194304] [--workers N] [--output FILE]
import Foundation
import LogArchive

var arguments = CommandLine.arguments.dropFirst().makeIterator()
var source: String?
var level: Int32 = 6
var blockSize = ParallelGzipEncoder.defaultBlockSize
var workers = ProcessInfo.processInfo.activeProcessorCount
var destination: String?
while let argument = arguments.next() {
    switch argument {
    case "--level": level = Int32(arguments.next() ?? "") ?? level
    case "--block-size": blockSize = Int(arguments.next() ?? "") ?? blockSize
    case "--workers": workers = Int(arguments.next() ?? "") ?? workers
    case "--output": destination = arguments.next()
    default: source = argument
    }
}
guard let source, let input = FileHandle(forReadingAtPath: source) else {
    FileHandle.standardError.write(Data("usage: logarchive-bench-gzip FILE [--level N] [--block-size BYTES] [--workers N] [--output FILE]\n".utf8))
    exit(64)
}
let output = destination.flatMap { path -> FileHandle? in
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    return FileHandle(forWritingAtPath: path)
}
var compressedBytes = 0
let started = DispatchTime.now()
let encoder = try ParallelGzipEncoder(level: level, blockSize: blockSize, workers: workers) { chunk in
    compressedBytes += chunk.count
    output?.write(Data(chunk))
}
let descriptor = input.fileDescriptor
while try encoder.write(readingWith: { space in max(0, read(descriptor, space.baseAddress, space.count)) }) > 0 {}
let (inputBytes, _) = try encoder.finish()
let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
print(
    "level \(level) (libdeflate \(ParallelGzipEncoder.libdeflateLevel(for: level))) block \(blockSize) workers \(workers): "
        + "\(String(format: "%.3f", seconds)) s, \(inputBytes) -> \(compressedBytes) bytes, "
        + "\(String(format: "%.0f", Double(inputBytes) / 1e6 / seconds)) MB/s")
