// The redactor's throughput: generate a JSONL of transcript-like lines with a few secrets, or read
// one, and stream it through RedactingStream (bytes to a counting sink, or to --output). Best and
// median of N runs, MB/s of the input. Not installed; scripts/bench-redact.sh runs it beside sed -E.
//
//   logarchive-bench-redact --generate FILE --size 200MB
//   logarchive-bench-redact FILE [--runs 5] [--output REDACTED]
import Foundation
import LogArchive

nonisolated(unsafe) var arguments = Array(CommandLine.arguments.dropFirst())
func value(_ flag: String) -> String? {
    guard let index = arguments.firstIndex(of: flag), index + 1 < arguments.count else { return nil }
    defer { arguments.removeSubrange(index...index + 1) }
    return arguments[index + 1]
}

/// Lines in the shapes Claude Code writes: user prompts, assistant text, tool calls and their
/// output; one line in 2,000 carries a secret.
func generate(to path: String, size: Int64) throws {
    let words = "the build failed because the test expected a sorted list but the index was written before"
        .split(separator: " ").map(String.init)
    let secrets = [
        "export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AKIAIOSFODNN7EXAMPLE",
        "ghp_abcdefghijklmnopqrstuvwxyzABCDEF0123", "Authorization: Bearer abcdef0123456789abcdef",
        "postgres://app:hunter2hunter2@db.internal:5432/app", "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789",
        "xoxb-1234567890-abcdefghijkl",
        "-----BEGIN RSA PRIVATE KEY-----\\nMIIEpAIBAAKCAQEA1c7\\n-----END RSA PRIVATE KEY-----",
    ]
    var generator = SystemRandomNumberGenerator()
    var line = 0
    var written: Int64 = 0
    var chunk = ""
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    while written < size {
        line += 1
        var text = (0..<(8 + Int(generator.next() % 40))).map { _ in words[Int(generator.next() % UInt64(words.count))]
        }
        .joined(separator: " ")
        if line % 2000 == 0 { text += " " + secrets[(line / 2000) % secrets.count] }
        let uuid = UUID().uuidString.lowercased()
        let kind = line % 3
        let record: String
        switch kind {
        case 0:
            record =
                #"{"parentUuid":"\#(uuid)","isSidechain":false,"userType":"external","cwd":"/home/dev/project","sessionId":"5f0c6d1e-2b1a-4c8e-9f3a-7d2e1b0c9a8f","version":"1.0.72","gitBranch":"123-login","type":"user","message":{"role":"user","content":"\#(text)"},"uuid":"\#(uuid)","timestamp":"2026-12-07T10:00:00.000Z"}"#
        case 1:
            record =
                #"{"parentUuid":"\#(uuid)","isSidechain":false,"cwd":"/home/dev/project","sessionId":"5f0c6d1e-2b1a-4c8e-9f3a-7d2e1b0c9a8f","gitBranch":"123-login","type":"assistant","message":{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4","content":[{"type":"tool_use","id":"toolu_01","name":"Bash","input":{"command":"swift test --filter Index","description":"\#(text)"}}]},"uuid":"\#(uuid)","timestamp":"2026-12-07T10:00:01.000Z"}"#
        default:
            record =
                #"{"parentUuid":"\#(uuid)","cwd":"/home/dev/project","sessionId":"5f0c6d1e-2b1a-4c8e-9f3a-7d2e1b0c9a8f","gitBranch":"123-login","type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_01","type":"tool_result","content":"Building for debugging...\n[12/40] Compiling LogArchive Index.swift\n\#(text)\nerror: 1 test failed","is_error":false}]},"uuid":"\#(uuid)","timestamp":"2026-12-07T10:00:02.000Z"}"#
        }
        chunk += record + "\n"
        if chunk.utf8.count > 1 << 20 {
            handle.write(Data(chunk.utf8))
            written += Int64(chunk.utf8.count)
            chunk = ""
        }
    }
    handle.write(Data(chunk.utf8))
    try handle.close()
}

if let path = value("--generate") {
    let size = value("--size").flatMap(ByteCount.parse) ?? 200_000_000
    try generate(to: path, size: size)
    exit(0)
}
let runs = max(1, Int(value("--runs") ?? "") ?? 5)
let outputPath = value("--output")
guard let path = arguments.first else {
    fatalError("usage: logarchive-bench-redact FILE [--runs N] [--output FILE] | --generate FILE --size SIZE")
}
let size = try FileStatus.of(path).size
/// CPU time of this thread: on shared cores the wall clock counts other processes' turns too.
func threadCPUNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}
var times: [UInt64] = []
var cpuTimes: [UInt64] = []
var counts = RedactionCounts()
for _ in 0..<runs {
    if let outputPath { _ = FileManager.default.createFile(atPath: outputPath, contents: nil) }
    let output = outputPath.flatMap { FileHandle(forWritingAtPath: $0) }
    var outBytes = 0
    let start = MonotonicClock.nanoseconds()
    let cpuStart = threadCPUNanoseconds()
    let stream = RedactingStream { bytes in
        outBytes += bytes.count
        if let output { output.write(Data(bytes)) }
    }
    try FileSystem.stream(path, chunkSize: 1 << 20) { try stream.write($0) }
    try stream.finish()
    times.append(MonotonicClock.nanoseconds() - start)
    cpuTimes.append(threadCPUNanoseconds() - cpuStart)
    counts = stream.counts
    try output?.close()
    withExtendedLifetime(outBytes) {}
}
times.sort()
let best = Double(times[0]) / 1e9
let median = Double(times[times.count / 2]) / 1e9
print(
    String(
        format: "| redact (RedactingStream, one core) | %.0f ms | %.0f ms | %.0f MB/s |", best * 1000, median * 1000,
        Double(size) / 1e6 / best))
cpuTimes.sort()
let cpuBest = Double(cpuTimes[0]) / 1e9
print(
    String(
        format: "| redact, CPU time of the thread | %.0f ms | | %.0f MB/s per core |", cpuBest * 1000,
        Double(size) / 1e6 / cpuBest))
print("redactions: " + counts.nonZero.map { "\($0.rule.name)=\($0.count)" }.joined(separator: " "))
