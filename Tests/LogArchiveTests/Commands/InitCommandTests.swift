import Foundation
import Testing
@testable import LogArchive

@Suite struct InitCommandTests {
    @Test func writesTheTemplateOnceAndRefusesToOverwrite() throws {
        let sandbox = try Sandbox()
        let first = try LogArchiveBinary.run(["init"], in: sandbox)
        #expect(first.status == 0)
        let written = try String(contentsOfFile: sandbox.path(".logarchive.json"), encoding: .utf8)
        #expect(written == ConfigFile.template)
        try sandbox.write(".logarchive.json", "{\"logs_dir\": \"mine\"}")
        let second = try LogArchiveBinary.run(["init"], in: sandbox)
        #expect(second.status == 64)
        #expect(try String(contentsOfFile: sandbox.path(".logarchive.json"), encoding: .utf8) == "{\"logs_dir\": \"mine\"}")
    }

    @Test func initKeepsTheEmbeddedStoreOutOfGitOnce() throws {
        let sandbox = try Sandbox()
        try sandbox.shell("git init -q .").requireSuccess()
        try sandbox.write(".gitignore", "build/")
        let first = try LogArchiveBinary.run(["init"], in: sandbox)
        #expect(first.output.contains("Added .logarchive-store/"))
        #expect(try String(contentsOfFile: sandbox.path(".gitignore"), encoding: .utf8).hasPrefix("build/\n# logarchive"))
        try LogArchiveBinary.run(["init", "--force"], in: sandbox).requireSuccess()
        let ignore = try String(contentsOfFile: sandbox.path(".gitignore"), encoding: .utf8)
        #expect(ignore.components(separatedBy: ".logarchive-store/").count == 2, "added once: \(ignore)")
        #expect(try sandbox.shell("git check-ignore -q .logarchive-store/x").status == 0)
        // Outside a git work tree, nothing is added.
        let plain = try Sandbox()
        try LogArchiveBinary.run(["init"], in: plain).requireSuccess()
        #expect(!plain.exists(".gitignore"))
    }

    @Test func everyExampleOfTheTemplateCanBeUncommented() throws {
        // A commented example is a line `// "key": value`; the prose comments stay.
        let examples = ConfigFile.template.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let trimmed = line.drop { $0 == " " }
            guard trimmed.hasPrefix("// \"") else { return String(line) }
            return String(line.prefix(line.count - trimmed.count)) + trimmed.dropFirst(3)
        }
        let uncommented = examples.joined(separator: "\n")
        #expect(uncommented != ConfigFile.template)
        let config = try ConfigFile.parse(Array(uncommented.utf8), path: "uncommented.json")
        #expect(config.githubRepository == "org/repo")
        #expect(config.store != nil)
    }

    @Test func theArchiveReadsTheWrittenConfig() throws {
        let sandbox = try Sandbox()
        try LogArchiveBinary.run(["init"], in: sandbox).requireSuccess()
        try sandbox.write("logs/debug/4-x.log", "x\n")
        let result = try LogArchiveBinary.run(["4", "--dry-run", "--json"], in: sandbox)
        #expect(result.status == 0, "\(result.errorOutput)")
        #expect(result.output.contains(#""index_path":"\#(sandbox.indexPath)""#))
    }
}
