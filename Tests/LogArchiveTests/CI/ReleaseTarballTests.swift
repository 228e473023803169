import Foundation
import LogArchive
import Testing

enum ReleaseTarball {
    static let path = ProcessInfo.processInfo.environment["LOGARCHIVE_TEST_RELEASE_TARBALL"].flatMap {
        $0.isEmpty ? nil : $0
    }
}

/// The tarball scripts/release.sh packs, run as on a machine without Swift: unpacked into a
/// folder of its own and started with `env -i PATH=/usr/bin:/bin`, so no toolchain is on PATH or
/// LD_LIBRARY_PATH. scripts/test.sh packs it once and passes it in
/// LOGARCHIVE_TEST_RELEASE_TARBALL (a release build takes minutes); without it, nothing to test.
@Suite(.enabled(if: ReleaseTarball.path != nil, "scripts/test.sh packs the tarball (LOGARCHIVE_TEST_RELEASE_TARBALL)"))
struct ReleaseTarballTests {
    static let tarball = ReleaseTarball.path

    /// Runs a shell command with nothing of this process's environment but what is given.
    static func clean(_ command: String, in sandbox: Sandbox, _ extra: [String: String] = [:]) throws -> CommandResult {
        var environment = ["PATH": "/usr/bin:/bin", "HOME": sandbox.path("home"), "LANG": "C.UTF-8"]
        environment.merge(extra) { $1 }
        let assignments = environment.map { "\($0.key)='\($0.value)'" }.sorted().joined(separator: " ")
        return try sandbox.shell(
            "env -i \(assignments) sh -c '\(command.replacingOccurrences(of: "'", with: "'\\''"))'")
    }

    @Test func theTarballRunsAnArchiveWithoutTheSwiftToolchain() throws {
        let tarball = try #require(Self.tarball)
        let sandbox = try Sandbox()
        let name = (tarball as NSString).lastPathComponent
        let machine = try sandbox.shell("uname -m").requireSuccess().output.trimmingCharacters(
            in: .whitespacesAndNewlines)
        #expect(name == "logarchive-\(LogArchiveVersion.current)-linux-\(machine).tar.gz")

        // The checksum file beside it is what `sha256sum -c` reads.
        let folder = (tarball as NSString).deletingLastPathComponent
        let check = try sandbox.shell("cd '\(folder)' && sha256sum -c '\(name).sha256'")
        #expect(check.status == 0, "\(check.output) \(check.errorOutput)")

        try sandbox.shell("mkdir -p unpacked home && tar -xzf '\(tarball)' -C unpacked").requireSuccess()
        let binary = sandbox.path("unpacked/\(name.dropLast(".tar.gz".count))/logarchive")
        #expect(FileManager.default.isExecutableFile(atPath: binary))

        // No Swift library comes from the system: the runtime and Foundation are inside.
        let libraries = try sandbox.shell("ldd '\(binary)'").requireSuccess().output
        #expect(!libraries.lowercased().contains("swift"), "\(libraries)")
        #expect(!libraries.contains("libFoundation") && !libraries.contains("libdispatch"), "\(libraries)")
        #expect(!libraries.contains("not found"), "\(libraries)")
        let toolchain = try Self.clean("command -v swift swiftc || echo none", in: sandbox)
        #expect(toolchain.output == "none\n", "the clean environment still has a toolchain: \(toolchain.output)")

        let version = try Self.clean("'\(binary)' --version", in: sandbox)
        #expect(version.status == 0, "\(version.errorOutput)")
        #expect(version.output.hasPrefix("logarchive \(LogArchiveVersion.current) ("))

        // A real archive of the sample issue on a local store, and the log read back from it.
        try sandbox.shell("mkdir -p project && cp -R '\(Repository.root)/logs' project/logs").requireSuccess()
        let archive = try Self.clean(
            "cd project && '\(binary)' 123 --no-comment --no-commit --store '\(sandbox.path("store"))' --json",
            in: sandbox)
        #expect(archive.status == 0, "\(archive.output) \(archive.errorOutput)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(archive.output.utf8)) as? [String: Any])
        #expect(report["outcome"] as? String == "archived")
        let entry = try #require(report["entry"] as? [String: Any])
        #expect(entry["upload_complete"] as? Bool == true)
        #expect(entry["total_logs"] as? Int == 5)
        for log in entry["logs"] as? [[String: Any]] ?? [] {
            #expect(sandbox.exists("store/" + (log["remote_path"] as? String ?? "?")), "\(log)")
        }
        let read = try Self.clean(
            "cd project && '\(binary)' read 123 --type build --store '\(sandbox.path("store"))'", in: sandbox)
        #expect(read.status == 0, "\(read.errorOutput)")
        #expect(read.output.contains("==> logs/builds/123-build.log"))
    }

    /// The action's release path end to end: resolve.sh names the tarball, install.sh downloads it
    /// (file:// here) and checks its SHA-256, and the binary it installs runs the archive step.
    @Test func theActionInstallsTheTarballAndArchivesWithIt() throws {
        let tarball = try #require(Self.tarball)
        let sandbox = try ActionTests.checkoutWithSampleLogs()
        let folder = (tarball as NSString).deletingLastPathComponent
        let resolved = try ActionTests.step(
            "resolve.sh", in: sandbox,
            environment: [
                "GITHUB_ACTION_PATH": Repository.root, "INPUT_INSTALL": "auto", "INPUT_RELEASE_URL": "file://" + folder,
            ])
        #expect(resolved.outputs["mode"] == "release", "\(resolved.result.output) \(resolved.result.errorOutput)")
        #expect(resolved.outputs["url"] == "file://" + tarball)
        let installed = try ActionTests.step(
            "install.sh", in: sandbox,
            environment: [
                "MODE": "release", "VERSION": LogArchiveVersion.current, "URL": resolved.outputs["url"] ?? "",
                "DIRECTORY": resolved.outputs["directory"] ?? "",
            ])
        #expect(installed.result.status == 0, "\(installed.result.output) \(installed.result.errorOutput)")
        let binary = try #require(resolved.outputs["binary"])
        let run = try ActionTests.step(
            "run.sh", in: sandbox, environment: ActionTests.archiveEnvironment(sandbox, ["LOGARCHIVE_BIN": binary]))
        #expect(run.result.status == 0, "\(run.result.output) \(run.result.errorOutput)")
        #expect(run.outputs["outcome"] == "archived")
    }
}
