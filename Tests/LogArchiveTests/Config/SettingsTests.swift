import Foundation
import Testing
@testable import LogArchive

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
