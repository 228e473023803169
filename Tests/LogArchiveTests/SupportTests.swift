import Foundation
import Testing
@testable import LogArchive

@Suite struct ByteCountTests {
    @Test(arguments: [
        ("1048576", Int64(1_048_576)), ("1MiB", 1_048_576), ("1MB", 1_048_576), ("100MB", 104_857_600), ("512k", 524_288),
        ("512 KiB", 524_288), ("1.5g", 1_610_612_736), ("0", 0), ("7b", 7),
    ])
    func parsesSizes(_ text: String, _ bytes: Int64) {
        #expect(ByteCount.parse(text) == bytes)
    }

    @Test(arguments: ["", "MB", "-1MB", "12 parsecs", "1..2k", "99999999999T"])
    func rejectsNonsense(_ text: String) {
        #expect(ByteCount.parse(text) == nil)
    }

    @Test func formatsLikeTheWorkflow() {
        #expect(ByteCount.format(512) == "512 B")
        #expect(ByteCount.format(131_072) == "128 KiB")
        #expect(ByteCount.format(46_694) == "45.6 KiB")
        #expect(ByteCount.format(1_610_612_736) == "1.5 GiB")
    }

    @Test func durations() {
        #expect(DurationText.parseSeconds("5m") == 300)
        #expect(DurationText.parseSeconds("300000ms") == 300)
        #expect(DurationText.parseSeconds("30s") == 30)
        #expect(DurationText.parseSeconds("soon") == nil)
        #expect(DurationText.format(seconds: 9000) == "2h 30m")
        #expect(DurationText.format(seconds: 4500) == "1h 15m")
    }
}

@Suite struct UTCTimestampTests {
    @Test func formatsAndParsesUTC() throws {
        let stamp = try #require(UTCTimestamp(iso8601: "2025-01-15T14:00:00Z"))
        #expect(stamp.seconds == 1_736_949_600)
        #expect(stamp.iso8601 == "2025-01-15T14:00:00Z")
        #expect(stamp.year == 2025 && stamp.month == 1)
        #expect(UTCTimestamp(iso8601: "2025-01-15T16:00:00+02:00") == stamp)
        #expect(UTCTimestamp(iso8601: "2025-01-15T14:00:00.250Z") == stamp)
        #expect(UTCTimestamp(iso8601: "2025-13-15T14:00:00Z") == nil)
        #expect(UTCTimestamp(iso8601: "yesterday") == nil)
        #expect(UTCTimestamp(seconds: 951_782_400).iso8601 == "2000-02-29T00:00:00Z")
    }

    @Test func rejectsImpossibleDates() {
        for text in [
            "2025-02-31T00:00:00Z", "2025-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2100-02-29T00:00:00Z",
            "2025-04-31T00:00:00Z", "2025-06-31T00:00:00Z", "2025-09-31T00:00:00Z", "2025-11-31T00:00:00Z",
            "2025-01-32T00:00:00Z", "2025-01-00T00:00:00Z", "2025-00-10T00:00:00Z", "2025-01-15T24:00:00Z",
            "2025-01-15T14:60:00Z", "2025-01-15T14:00:00+24:00", "2025-01-15T14:00:00+02:60",
        ] {
            #expect(UTCTimestamp(iso8601: text) == nil, "\(text)")
        }
        for text in ["2024-02-29T00:00:00Z", "2000-02-29T00:00:00Z", "2025-04-30T00:00:00Z", "2025-12-31T23:59:59Z"] {
            #expect(UTCTimestamp(iso8601: text)?.iso8601 == text)
        }
        // The other parsers build on this one: dates for `search --since/--until`.
        #expect(UTCTimestamp(dateOrInstant: "2025-02-31") == nil)
        #expect(UTCTimestamp(dateOrInstant: "2025-02-30", endOfDay: true) == nil)
        #expect(UTCTimestamp(dateOrInstant: "2024-02-29")?.iso8601 == "2024-02-29T00:00:00Z")
    }
}

@Suite struct SettingsTests {
    @Test func flagsBeatEnvironmentBeatConfigFileBeatDefaults() throws {
        let sandbox = try Sandbox()
        try sandbox.write(".logarchive.json", "// team settings\n{\"store\": \"from-file\", \"compression_threshold\": \"2MiB\", \"commit\": false}\n")
        let environment = ["LOGARCHIVE_STORE": "/from-env"]
        let resolver = SettingsResolver(environment: environment, currentDirectory: sandbox.root)

        var flags = SettingsOverrides()
        #expect(try resolver.resolve(flags).store == .local(path: "/from-env"))
        #expect(try resolver.resolve(flags).compressionThreshold == 2 << 20)
        #expect(try resolver.resolve(flags).commit == false)
        #expect(try resolver.resolve(flags).logsDirectory == sandbox.root + "/logs")
        flags.store = "/from-flag"
        #expect(try resolver.resolve(flags).store == .local(path: "/from-flag"))

        let fileOnly = SettingsResolver(environment: [:], currentDirectory: sandbox.root)
        #expect(try fileOnly.resolve(SettingsOverrides()).store == .local(path: sandbox.root + "/from-file"))

        try FileManager.default.removeItem(atPath: sandbox.path(".logarchive.json"))
        #expect(try fileOnly.resolve(SettingsOverrides()).store == .local(path: sandbox.root + "/.logarchive-store"))
        #expect(try fileOnly.resolve(SettingsOverrides()).compressionThreshold == 1 << 20)
    }

    @Test func aMisspeltSettingIsAnError() throws {
        let sandbox = try Sandbox()
        try sandbox.write(".logarchive.json", "{\"compresion_threshold\": \"2MiB\"}")
        let resolver = SettingsResolver(environment: [:], currentDirectory: sandbox.root)
        do {
            _ = try resolver.resolve(SettingsOverrides())
            Issue.record("accepted a misspelt key")
        } catch {
            #expect(error.kind == .badInput)
            #expect(error.message.contains("compresion_threshold"))
        }
    }

    @Test func theTokenComesOnlyFromTheEnvironment() throws {
        let resolver = SettingsResolver(environment: ["GH_TOKEN": "t0ken"], currentDirectory: "/")
        #expect(try resolver.resolve(SettingsOverrides()).github.token == "t0ken")
    }

    @Test func theInitTemplateIsAValidConfig() throws {
        let config = try ConfigFile.parse(Array(ConfigFile.template.utf8), path: "template")
        #expect(config.logsDirectory == "logs")
        #expect(config.compressionThreshold == 1 << 20)
        #expect(config.compressionLevel == 6)
    }

    @Test(arguments: ["s3://Bad_Bucket", "ftp://host/x", "file://relative", ""])
    func badStoresAreRefused(_ text: String) {
        #expect(throws: ArchiveError.self) { try StoreLocation.parse(text, relativeTo: "/") }
    }

    @Test func storeLocations() throws {
        #expect(try StoreLocation.parse("s3://logs-bucket/team/a", relativeTo: "/") == .s3(bucket: "logs-bucket", prefix: "team/a/"))
        #expect(try StoreLocation.parse("s3://logs-bucket", relativeTo: "/") == .s3(bucket: "logs-bucket", prefix: ""))
        #expect(try StoreLocation.parse("file:///srv/a/../b", relativeTo: "/") == .local(path: "/srv/b"))
        #expect(try StoreLocation.parse("store", relativeTo: "/work") == .local(path: "/work/store"))
    }
}

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
