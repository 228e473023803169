import Foundation
import Testing

/// The README's table of examples, run as a new user would: on a copy of the repository's sample
/// logs, after archiving the sample issue. Each `read`, `search` and `status` example must succeed
/// and print something; an example that no longer matches the sample tree fails here.
@Suite struct ReadmeExamplesTests {
    static func examples() throws -> [String] {
        let readme = try String(contentsOfFile: Repository.root + "/README.md", encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: #"^\|[^|]*\| `(logarchive (?:search|read|status)[^`]*)` \|$"#, options: .anchorsMatchLines)
        return pattern.matches(in: readme, range: NSRange(readme.startIndex..., in: readme)).compactMap {
            Range($0.range(at: 1), in: readme).map { String(readme[$0]) }
        }
    }

    @Test func everyReadSearchAndStatusExampleWorksOnTheSampleLogs() throws {
        let examples = try Self.examples()
        #expect(examples.count >= 6, "\(examples)")
        let sandbox = try Sandbox()
        try sandbox.shell("mkdir -p logs && cp -R '\(Repository.root)/logs/.' logs/").requireSuccess()
        try LogArchiveBinary.run(["123", "--no-commit", "--no-comment"], in: sandbox).requireSuccess()
        for example in examples {
            let command = "'\(LogArchiveBinary.path)'" + example.dropFirst("logarchive".count)
            let result = try sandbox.shell(command)
            #expect(result.status == 0, "\(example): \(result.errorOutput)")
            let wroteFile = example.contains("--output")
            #expect(wroteFile || !result.output.isEmpty, "\(example) printed nothing")
        }
    }
}
