// The index's JSON path against Foundation's JSONSerialization, in the same run, on one index file:
// parse to a JSONValue, decode to an ArchiveIndex, write the index's bytes, and JSONSerialization's
// parse and pretty write. Best of N runs; one markdown table row per measurement, MB/s of the file.
// Not installed; scripts/bench-json.sh runs it next to jq and python.
//
//   logarchive-bench-json FILE [--runs 10] [--output WRITTEN] [--only TEXT]
import Foundation
import LogArchive

struct Options {
    var path = ""
    var runs = 10
    /// Where to save `ArchiveIndex.fileBytes`, so two builds' writer output can be compared.
    var outputPath: String?
    /// Runs only the measurements whose label contains this, to profile one of them.
    var only = ""

    init(_ arguments: [String]) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--runs": runs = max(1, Int(iterator.next() ?? "") ?? runs)
            case "--output": outputPath = iterator.next()
            case "--only": only = iterator.next() ?? ""
            default: path = argument
            }
        }
        if path.isEmpty { fatalError("usage: logarchive-bench-json FILE [--runs N] [--output WRITTEN] [--only TEXT]") }
    }
}

/// Runs `body` `runs` times and prints the best and median wall time. The result is released
/// outside the timed span, so a measurement is the work itself, not freeing what it built.
func measure<Result>(_ label: String, bytes: Int, runs: Int, _ body: () throws -> Result) rethrows {
    guard options.only.isEmpty || label.contains(options.only) else { return }
    var times: [UInt64] = []
    for _ in 0..<runs {
        let start = MonotonicClock.nanoseconds()
        let result = try body()
        times.append(MonotonicClock.nanoseconds() - start)
        withExtendedLifetime(result) {}
    }
    times.sort()
    let best = Double(times[0]) / 1e9
    let median = Double(times[times.count / 2]) / 1e9
    print(
        String(
            format: "| %@ | %.1f ms | %.1f ms | %.0f MB/s |", label, best * 1000, median * 1000,
            Double(bytes) / 1e6 / best))
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
guard let data = FileManager.default.contents(atPath: options.path) else { fatalError("cannot read \(options.path)") }
let bytes = [UInt8](data)
let index = try ArchiveIndex(fileBytes: bytes)
let written = index.fileBytes
if let outputPath = options.outputPath {
    try Data(written).write(to: URL(fileURLWithPath: outputPath))
}
let foundationObject = try JSONSerialization.jsonObject(with: data)

let runs = options.runs
try measure("logarchive JSONParser.parse", bytes: bytes.count, runs: runs) { try JSONParser.parse(bytes) }
try measure("logarchive ArchiveIndex(fileBytes:)", bytes: bytes.count, runs: runs) { try ArchiveIndex(fileBytes: bytes) }
measure("logarchive ArchiveIndex.fileBytes", bytes: bytes.count, runs: runs) { index.fileBytes }
// What one archive does to its shard: skim it, decode its issue's entry, splice the entry back.
let middle = index.archives[index.archives.count / 2]
try measure("logarchive IndexFileText (skim)", bytes: bytes.count, runs: runs) { try IndexFileText(bytes) }
try measure("logarchive IndexFileText: skim, one entry decoded and spliced back", bytes: bytes.count, runs: runs) {
    let text = try IndexFileText(bytes)
    let entry = try text.entry(for: middle.issueNumber)
    return text.replacing(middle.issueNumber, with: entry.map(IndexFileText.bytes(of:)), updated: "2026-12-01T00:00:00Z")
}
try measure("Foundation JSONSerialization.jsonObject", bytes: bytes.count, runs: runs) {
    try JSONSerialization.jsonObject(with: data)
}
try measure("Foundation JSONSerialization.data (pretty)", bytes: bytes.count, runs: runs) {
    try JSONSerialization.data(withJSONObject: foundationObject, options: [.prettyPrinted])
}
