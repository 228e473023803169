import Foundation
import LogArchive
import Testing

/// The GitHub Action's steps (action.yml runs the scripts in scripts/action/), run here as the
/// runner would: with `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` files, the real logarchive
/// executable, and a git repository holding the sample logs.
@Suite struct ActionTests {
    /// One run of an action script and what it left in GitHub's files.
    struct StepRun {
        let result: CommandResult
        /// `$GITHUB_OUTPUT` as the script wrote it.
        let outputFile: String
        /// The folders the script added to `$GITHUB_PATH`.
        let path: [String]
        let outputs: [String: String]
        let summary: String

        var entry: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data((outputs["entry"] ?? "").utf8))) as? [String: Any]
        }
    }

    static let scripts = Repository.root + "/scripts/action"

    /// Runs `scripts/action/<script>` in `folder` with the environment a runner gives a step.
    static func step(_ script: String, in sandbox: Sandbox, folder: String = "", environment: [String: String]) throws
        -> StepRun
    {
        let outputFile = sandbox.path("github-output-\(UUID().uuidString.prefix(8))")
        let summaryFile = sandbox.path("github-summary-\(UUID().uuidString.prefix(8))")
        let pathFile = sandbox.path("github-path-\(UUID().uuidString.prefix(8))")
        _ = FileManager.default.createFile(atPath: outputFile, contents: nil)
        _ = FileManager.default.createFile(atPath: summaryFile, contents: nil)
        var variables = LogArchiveBinary.environment([
            "GITHUB_OUTPUT": outputFile, "GITHUB_STEP_SUMMARY": summaryFile, "GITHUB_PATH": pathFile,
            "RUNNER_TEMP": sandbox.path("runner-temp"),
        ])
        try FileManager.default.createDirectory(atPath: sandbox.path("runner-temp"), withIntermediateDirectories: true)
        variables.merge(environment) { $1 }
        let directory = folder.isEmpty ? sandbox.root : sandbox.path(folder)
        let result = try CommandRunner.run("/bin/bash", ["\(scripts)/\(script)"], in: directory, environment: variables)
        let written = try String(contentsOfFile: outputFile, encoding: .utf8)
        return StepRun(
            result: result, outputFile: written,
            path: ((try? String(contentsOfFile: pathFile, encoding: .utf8)) ?? "").split(separator: "\n").map(
                String.init),
            outputs: try parseOutputs(written),
            summary: try String(contentsOfFile: summaryFile, encoding: .utf8))
    }

    /// `$GITHUB_OUTPUT` as the runner reads it: `name=value` lines and `name<<DELIMITER` blocks.
    static func parseOutputs(_ text: String) throws -> [String: String] {
        var outputs: [String: String] = [:]
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
        while let line = lines.popFirst() {
            if line.isEmpty { continue }
            if let range = line.range(of: "<<") {
                let name = String(line[..<range.lowerBound])
                let delimiter = line[range.upperBound...]
                var value: [Substring] = []
                while let next = lines.popFirst(), next != delimiter { value.append(next) }
                outputs[name] = value.joined(separator: "\n")
            } else if let equals = line.firstIndex(of: "=") {
                outputs[String(line[..<equals])] = String(line[line.index(after: equals)...])
            } else {
                throw TestFailure("not an output line: \(line)")
            }
        }
        return outputs
    }

    /// The repository's sample logs in a git repository with an identity, as a checkout would be.
    static func checkoutWithSampleLogs() throws -> Sandbox {
        let sandbox = try Sandbox()
        try sandbox.shell("cp -R '\(Repository.root)/logs/.' logs/").requireSuccess()
        try sandbox.initializeGit()
        return sandbox
    }

    static func archiveEnvironment(_ sandbox: Sandbox, _ extra: [String: String] = [:]) -> [String: String] {
        var environment = [
            "LOGARCHIVE_BIN": LogArchiveBinary.path, "INPUT_ISSUE": "123", "INPUT_REASON": "manual",
            "INPUT_STORE": sandbox.path("store"), "INPUT_PUSH": "false", "INPUT_ARGS": "--no-comment  --jobs\n2",
            "INPUT_DOCTOR": "false",
        ]
        environment.merge(extra) { $1 }
        return environment
    }

    @Test func anArchiveThatSucceedsSetsTheOutputsAndPassesTheStep() throws {
        let sandbox = try Self.checkoutWithSampleLogs()
        let run = try Self.step("run.sh", in: sandbox, environment: Self.archiveEnvironment(sandbox))
        #expect(run.result.status == 0, "\(run.result.output) \(run.result.errorOutput)")
        #expect(run.outputs["outcome"] == "archived")
        #expect(run.outputs["partial"] == "false")
        #expect(run.outputs["exit-code"] == "0")
        #expect(run.outputs["retry-command"] == "")
        let entry = try #require(run.entry, "\(run.outputs)")
        #expect(entry["issue_number"] as? String == "123")
        #expect(entry["upload_complete"] as? Bool == true)
        #expect(entry["total_logs"] as? Int == 5)
        // Written in the multi-line form, whose random delimiter no value can end early.
        #expect(run.outputFile.contains("\nentry<<LOGARCHIVE_"), "\(run.outputFile)")
        // The entry output is the entry the index holds.
        #expect(try sandbox.entry("123")?["archived_at"] as? String == entry["archived_at"] as? String)
        #expect(run.summary.contains("### ✓ logarchive: issue #123 archived"))
        #expect(run.summary.contains("5 logs"))
        // What was not done (a warning, never a failure) shows in the stages.
        #expect(run.summary.contains("| comment | skipped | --no-comment |"), "\(run.summary)")
        #expect(run.summary.contains("| commit | completed | index committed as "), "\(run.summary)")
        // The arguments went through: the store, and the index commit in the checkout.
        #expect(FileManager.default.fileExists(atPath: sandbox.path("store/archive/logs")))
        let log = try sandbox.shell("git log -1 --format=%s").requireSuccess()
        #expect(log.output.hasPrefix("Archive logs for issue #123"))
        #expect(!run.result.output.contains("::error"))
    }

    @Test func aPartialArchiveFailsTheStepWithTheRetryCommandInTheSummary() throws {
        let sandbox = try Self.checkoutWithSampleLogs()
        let target = sandbox.path("logs/deployments/123-staging.log")
        let run = try Self.step(
            "run.sh", in: sandbox,
            environment: Self.archiveEnvironment(
                sandbox,
                [
                    "LOGARCHIVE_FAULT_POINT": "before-upload",
                    "LOGARCHIVE_FAULT_ACTION": "exec:echo 'written during the archive' >> '\(target)'",
                ]))
        #expect(run.result.status == 3, "\(run.result.output) \(run.result.errorOutput)")
        #expect(run.outputs["outcome"] == "partial")
        #expect(run.outputs["partial"] == "true")
        #expect(run.outputs["exit-code"] == "3")
        let entry = try #require(run.entry, "\(run.outputs)")
        #expect(entry["partial_archive"] as? Bool == true)
        let retry = try #require(run.outputs["retry-command"])
        #expect(retry == "logarchive 123 --retry --store \(sandbox.path("store"))")
        #expect(run.summary.contains("partial archive for issue #123 (exit 3)"))
        #expect(run.summary.contains("```sh\n\(retry)\n```"))
        #expect(run.summary.contains("| `logs/deployments/123-staging.log` | deployment | failed |"))
        #expect(run.result.output.contains("::error title=Partial archive::"))

        // The command the summary gives finishes the archive.
        let finished = try sandbox.shell(
            "'\(LogArchiveBinary.path)'" + retry.dropFirst("logarchive".count) + " --no-comment")
        #expect(finished.status == 0, "\(finished.output) \(finished.errorOutput)")
        #expect(try sandbox.entry("123")?["upload_complete"] as? Bool == true)
    }

    @Test(arguments: [
        // A corrupt index: the run fails, naming the file.
        ("123", "manual", "{ broken", 1, "failed", ".archive-index.json"),
        // Not an issue number.
        ("12a", "manual", "", 64, "bad_input", "12a"),
        // The lifecycle check without a token to ask GitHub.
        ("123", "issue_closed", "", 4, "refused", "GITHUB_TOKEN"),
    ])
    func anArchiveThatFailsFailsTheStepSayingWhy(
        issue: String, reason: String, index: String, code: Int32, outcome: String, reasonText: String
    ) throws {
        let sandbox = try Self.checkoutWithSampleLogs()
        if !index.isEmpty { try sandbox.write("logs/.archive-index.json", index) }
        let before = try sandbox.snapshot()
        let run = try Self.step(
            "run.sh", in: sandbox,
            environment: Self.archiveEnvironment(sandbox, ["INPUT_ISSUE": issue, "INPUT_REASON": reason]))
        #expect(run.result.status == code, "\(run.result.output) \(run.result.errorOutput)")
        #expect(run.outputs["outcome"] == outcome)
        #expect(run.outputs["partial"] == "false")
        #expect(run.outputs["entry"] == "null")
        #expect(run.outputs["exit-code"] == "\(code)")
        #expect(run.summary.contains("### ✗ logarchive: \(outcome) for issue #\(issue) (exit \(code))"))
        #expect(run.summary.contains(reasonText), "\(run.summary)")
        #expect(run.result.output.contains("::error title=logarchive: \(outcome)::"))
        #expect(
            try sandbox.snapshot().filter { !$0.key.hasPrefix("github-") && !$0.key.hasPrefix("runner-temp") } == before
        )
    }

    @Test func aBinaryThatPrintsNoJSONIsAFailureEvenWhenItExitsZero() throws {
        let sandbox = try Self.checkoutWithSampleLogs()
        let run = try Self.step(
            "run.sh", in: sandbox, environment: Self.archiveEnvironment(sandbox, ["LOGARCHIVE_BIN": "/bin/true"]))
        #expect(run.result.status == 1)
        #expect(run.outputs["outcome"] == "failed")
        #expect(run.outputs["entry"] == "null")
    }

    /// A stand-in for a logarchive with `doctor`: it records each call (but `doctor --help`, the
    /// question whether it has the command), answers `doctor` with the given code, and runs the
    /// real executable for anything else.
    static func binaryWithDoctor(in sandbox: Sandbox, doctorExit: Int) throws -> String {
        let path = try sandbox.write(
            "bin/logarchive",
            """
            #!/bin/sh
            if [ "$1" = doctor ] && [ "$2" = --help ]; then exit 0; fi
            echo "$*" >> '\(sandbox.path("calls"))'
            if [ "$1" = doctor ]; then echo '✗ the store: not reachable'; exit \(doctorExit); fi
            exec '\(LogArchiveBinary.path)' "$@"

            """)
        chmod(path, 0o755)
        return path
    }

    @Test func doctorRunsFirstWhenAskedAndAProblemStopsTheArchive() throws {
        let sandbox = try Self.checkoutWithSampleLogs()
        let before = try sandbox.snapshot()
        let failing = try Self.binaryWithDoctor(in: sandbox, doctorExit: 1)
        let run = try Self.step(
            "run.sh", in: sandbox,
            environment: Self.archiveEnvironment(
                sandbox, ["LOGARCHIVE_BIN": failing, "INPUT_DOCTOR": "true", "INPUT_REASON": "issue_closed"]))
        #expect(run.result.status == 1)
        #expect(run.outputs["outcome"] == "doctor_failed")
        #expect(run.result.output.contains("✗ the store: not reachable"))
        #expect(run.summary.contains("logarchive doctor found a problem"))
        let calls = try String(contentsOfFile: sandbox.path("calls"), encoding: .utf8)
        // The same store, reason and issue, and the extra arguments doctor shares with the archive.
        #expect(calls == "doctor --store \(sandbox.path("store")) --reason issue_closed --issue 123 --no-comment\n")
        #expect(!sandbox.exists("store"))
        #expect(
            try sandbox.snapshot().filter { $0.key.hasPrefix("logs") } == before.filter { $0.key.hasPrefix("logs") })

        // A clean bill of health: the archive follows. Without the input, no doctor.
        try FileManager.default.removeItem(atPath: sandbox.path("calls"))
        let passing = try Self.binaryWithDoctor(in: sandbox, doctorExit: 0)
        let archived = try Self.step(
            "run.sh", in: sandbox,
            environment: Self.archiveEnvironment(sandbox, ["LOGARCHIVE_BIN": passing, "INPUT_DOCTOR": "true"]))
        #expect(archived.result.status == 0, "\(archived.result.output) \(archived.result.errorOutput)")
        #expect(archived.outputs["outcome"] == "archived")
        let both = try String(contentsOfFile: sandbox.path("calls"), encoding: .utf8).split(separator: "\n")
        #expect(both.count == 2 && both[0].hasPrefix("doctor ") && both[1].hasPrefix("123 --json"), "\(both)")
    }

    /// Until a logarchive has `doctor`, asking for it warns and archives all the same.
    @Test func doctorIsSkippedWithAWarningWhenTheBinaryHasNoSuchCommand() throws {
        let sandbox = try Self.checkoutWithSampleLogs()
        let stub = try sandbox.write(
            "bin/logarchive",
            """
            #!/bin/sh
            if [ "$1" = doctor ]; then echo "logarchive: error: unknown command 'doctor'" >&2; exit 64; fi
            exec '\(LogArchiveBinary.path)' "$@"

            """)
        chmod(stub, 0o755)
        let run = try Self.step(
            "run.sh", in: sandbox,
            environment: Self.archiveEnvironment(sandbox, ["LOGARCHIVE_BIN": stub, "INPUT_DOCTOR": "true"]))
        #expect(run.result.status == 0, "\(run.result.output) \(run.result.errorOutput)")
        #expect(run.outputs["outcome"] == "archived")
        #expect(
            run.result.output.contains(
                "::warning title=logarchive doctor::this logarchive (logarchive \(LogArchiveVersion.current)"))
        #expect(run.result.output.contains("has no doctor command"))
    }

    // MARK: - Getting the binary

    /// A folder shaped like the action's source: Package.swift and the version file.
    static func actionSource(in sandbox: Sandbox, version: String) throws -> String {
        try sandbox.write("action/Package.swift", "// swift-tools-version:6.0\n")
        try sandbox.write(
            "action/Sources/LogArchive/LogArchiveVersion.swift",
            "public enum LogArchiveVersion {\n    public static let current = \"\(version)\"\n}\n")
        return sandbox.path("action")
    }

    static var machine: String {
        var name = utsname()
        uname(&name)
        return withUnsafeBytes(of: &name.machine) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
    }

    @Test func resolvingChoosesTheSourceTheModeAndACacheKeyOfVersionOSAndToolchain() throws {
        let sandbox = try Sandbox()
        let source = try Self.actionSource(in: sandbox, version: "9.8.7")
        let base = ["GITHUB_ACTION_PATH": source, "RUNNER_OS": "Linux", "ACTION_REPOSITORY": "example/logarchive"]

        let build = try Self.step(
            "resolve.sh", in: sandbox, environment: base.merging(["INPUT_INSTALL": "build"]) { $1 })
        #expect(build.result.status == 0, "\(build.result.errorOutput)")
        #expect(build.outputs["version"] == "9.8.7")
        #expect(build.outputs["mode"] == "build")
        #expect(build.outputs["source"] == source)
        let key = try #require(build.outputs["cache-key"])
        #expect(key.hasPrefix("logarchive-9.8.7-Linux-\(Self.machine)-"))
        let swiftVersion = try sandbox.shell(
            "swift --version 2>&1 | sed -n 's/.*Swift version \\([0-9][0-9.]*\\).*/\\1/p' | head -n 1")
        #expect(key.contains("swift" + swiftVersion.output.trimmingCharacters(in: .whitespacesAndNewlines)), "\(key)")
        let binary = try #require(build.outputs["binary"])
        #expect(
            binary.hasPrefix(sandbox.path("runner-temp") + "/logarchive-9.8.7-") && binary.hasSuffix("/bin/logarchive"))
        // Later steps find it by name.
        #expect(build.path == [(binary as NSString).deletingLastPathComponent])

        // A change to the action's own source is a new binary.
        try sandbox.write("action/Sources/LogArchive/Other.swift", "// changed\n")
        let changed = try Self.step(
            "resolve.sh", in: sandbox, environment: base.merging(["INPUT_INSTALL": "build"]) { $1 })
        #expect(changed.outputs["cache-key"] != key)

        // Another version is cloned by its tag.
        let tagged = try Self.step(
            "resolve.sh", in: sandbox,
            environment: base.merging(["INPUT_INSTALL": "build", "INPUT_VERSION": "v1.2.3"]) { $1 })
        #expect(tagged.outputs["version"] == "1.2.3")
        #expect(tagged.outputs["source"] == "v1.2.3")

        // A release is the same file on every runner of an architecture.
        let release = try Self.step(
            "resolve.sh", in: sandbox, environment: base.merging(["INPUT_INSTALL": "release"]) { $1 })
        #expect(release.outputs["mode"] == "release")
        #expect(
            release.outputs["url"]
                == "https://github.com/example/logarchive/releases/download/v9.8.7/logarchive-9.8.7-linux-\(Self.machine).tar.gz"
        )
        #expect(release.outputs["cache-key"] == "logarchive-9.8.7-Linux-\(Self.machine)-release")

        let wrong = try Self.step(
            "resolve.sh", in: sandbox, environment: base.merging(["INPUT_INSTALL": "fetch"]) { $1 })
        #expect(wrong.result.status == 64)
        #expect(wrong.result.output.contains("install 'fetch' is not one of auto, release, build"))
        let badVersion = try Self.step(
            "resolve.sh", in: sandbox, environment: base.merging(["INPUT_VERSION": "1.0; rm -rf /"]) { $1 })
        #expect(badVersion.result.status == 64)
    }

    /// GitHub sometimes leaves `github.action_repository` empty in a composite action: the release
    /// is then found from where the runner put the action (`_actions/OWNER/NAME/REF`).
    @Test func theActionRepositoryComesFromTheActionPathWhenGitHubLeavesItEmpty() throws {
        let sandbox = try Sandbox()
        let source = try Self.actionSource(in: sandbox, version: "9.8.7")
        try FileManager.default.createDirectory(
            atPath: sandbox.path("work/_actions/acme/logarchive"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: sandbox.path("work/_actions/acme/logarchive/v1"), withDestinationPath: source)
        let release = try Self.step(
            "resolve.sh", in: sandbox,
            environment: [
                "GITHUB_ACTION_PATH": sandbox.path("work/_actions/acme/logarchive/v1"), "RUNNER_OS": "Linux",
                "ACTION_REPOSITORY": "", "INPUT_INSTALL": "release",
            ])
        #expect(release.result.status == 0, "\(release.result.output) \(release.result.errorOutput)")
        #expect(
            release.outputs["url"]
                == "https://github.com/acme/logarchive/releases/download/v9.8.7/logarchive-9.8.7-linux-\(Self.machine).tar.gz")
    }

    @Test func autoDownloadsWhenTheReleaseIsPublishedAndBuildsWhenItIsNot() throws {
        let sandbox = try Sandbox()
        let source = try Self.actionSource(in: sandbox, version: "9.8.7")
        let environment = [
            "GITHUB_ACTION_PATH": source, "INPUT_INSTALL": "auto",
            "INPUT_RELEASE_URL": "file://" + sandbox.path("releases"),
        ]
        let none = try Self.step("resolve.sh", in: sandbox, environment: environment)
        #expect(none.outputs["mode"] == "build", "\(none.result.output) \(none.result.errorOutput)")
        try sandbox.write("releases/logarchive-9.8.7-linux-\(Self.machine).tar.gz.sha256", "0  x\n")
        let published = try Self.step("resolve.sh", in: sandbox, environment: environment)
        #expect(published.outputs["mode"] == "release", "\(published.result.output) \(published.result.errorOutput)")
        #expect(
            published.outputs["url"]
                == "file://\(sandbox.path("releases"))/logarchive-9.8.7-linux-\(Self.machine).tar.gz")
    }

    /// A tarball laid out as scripts/release.sh packs one, holding the test's logarchive, and its
    /// `.sha256`; returns its file:// URL.
    static func publishTarball(in sandbox: Sandbox, version: String) throws -> String {
        let name = "logarchive-\(version)-linux-\(Self.machine)"
        try sandbox.shell(
            """
            mkdir -p pack/\(name) releases && cp '\(LogArchiveBinary.path)' pack/\(name)/logarchive \
            && tar -czf releases/\(name).tar.gz -C pack \(name) \
            && (cd releases && sha256sum \(name).tar.gz > \(name).tar.gz.sha256)
            """
        ).requireSuccess()
        return "file://\(sandbox.path("releases"))/\(name).tar.gz"
    }

    @Test func aDownloadedTarballIsInstalledOnlyWhenItsSHA256Matches() throws {
        let sandbox = try Sandbox()
        let url = try Self.publishTarball(in: sandbox, version: "9.8.7")
        let environment = ["MODE": "release", "VERSION": "9.8.7", "URL": url, "DIRECTORY": sandbox.path("installed")]
        let installed = try Self.step("install.sh", in: sandbox, environment: environment)
        #expect(installed.result.status == 0, "\(installed.result.output) \(installed.result.errorOutput)")
        #expect(installed.result.output.contains("SHA-256 verified"))
        #expect(installed.result.output.contains("logarchive \(LogArchiveVersion.current)"))
        let version = try CommandRunner.run(
            sandbox.path("installed/bin/logarchive"), ["--version"], in: sandbox.root,
            environment: LogArchiveBinary.environment())
        #expect(version.status == 0)

        // A tarball that is not the one its checksum names is refused and nothing is installed.
        let tarball = String(url.dropFirst("file://".count))
        try sandbox.shell("printf 'x' >> '\(tarball)'").requireSuccess()
        let tampered = try Self.step(
            "install.sh", in: sandbox, environment: environment.merging(["DIRECTORY": sandbox.path("other")]) { $1 })
        #expect(tampered.result.status == 1)
        #expect(tampered.result.output.contains("expected"), "\(tampered.result.output)")
        #expect(!sandbox.exists("other/bin/logarchive"))

        // A pinned checksum wins over the published one.
        _ = try Self.publishTarball(in: sandbox, version: "9.8.7")
        let pinned = try Self.step(
            "install.sh", in: sandbox,
            environment: environment.merging([
                "DIRECTORY": sandbox.path("pinned"), "INPUT_SHA256": String(repeating: "0", count: 64),
            ]) { $1 })
        #expect(pinned.result.status == 1)
        #expect(!sandbox.exists("pinned/bin/logarchive"))
    }

    /// Here every package is installed already (scripts/setup.sh), so nothing is: the step only
    /// looks, and does not call apt-get on a machine that has what it needs.
    @Test(arguments: ["release", "build"])
    func systemPackagesThatArePresentAreNotInstalledAgain(mode: String) throws {
        let sandbox = try Sandbox()
        try sandbox.write("bin/apt-get", "#!/bin/sh\necho \"apt-get $*\" >> '\(sandbox.path("apt-calls"))'\n")
        try sandbox.write("bin/sudo", "#!/bin/sh\nexec \"$@\"\n")
        try sandbox.shell("chmod +x bin/apt-get bin/sudo").requireSuccess()
        let path = sandbox.path("bin") + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let run = try CommandRunner.run(
            "/bin/bash", ["\(Self.scripts)/packages.sh", mode], in: sandbox.root,
            environment: LogArchiveBinary.environment(["PATH": path]))
        #expect(run.status == 0, "\(run.output) \(run.errorOutput)")
        #expect(run.output == "system packages: all present\n")
        #expect(!sandbox.exists("apt-calls"))
        let wrong = try CommandRunner.run(
            "/bin/bash", ["\(Self.scripts)/packages.sh", "everything"], in: sandbox.root,
            environment: LogArchiveBinary.environment())
        #expect(wrong.status == 64)
    }

    @Test func buildingWithoutSwiftSaysWhatToDo() throws {
        let sandbox = try Sandbox()
        let source = try Self.actionSource(in: sandbox, version: "9.8.7")
        let run = try Self.step(
            "install.sh", in: sandbox,
            environment: [
                "MODE": "build", "VERSION": "9.8.7", "SOURCE": source, "DIRECTORY": sandbox.path("d"),
                "PATH": "/usr/bin:/bin",
            ])
        #expect(run.result.status == 1)
        #expect(run.result.output.contains("no swift on PATH"))
    }
}
