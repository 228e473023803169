import Foundation
import LogArchive
import Testing

/// scripts/lint.sh, the test command's check of action.yml and the workflow docs/ci.md shows,
/// run on copies of those files: as they are it passes, and each kind of mistake fails the check
/// that is there to catch it.
@Suite struct CIFilesLintTests {
    static let files = [
        "action.yml", "docs/ci.md", "docs/examples/archive-logs.yml", "scripts/release.sh", "scripts/lint.sh",
        "scripts/action/lib.sh", "scripts/action/resolve.sh", "scripts/action/packages.sh", "scripts/action/install.sh",
        "scripts/action/run.sh", "scripts/action/action_as_workflow.py", ".github/workflows/release.yml",
    ]

    static func copyOfTheCIFiles() throws -> Sandbox {
        let sandbox = try Sandbox()
        for file in files {
            try sandbox.write(file, try Data(contentsOf: URL(fileURLWithPath: Repository.root + "/" + file)))
        }
        return sandbox
    }

    static func lint(_ sandbox: Sandbox) throws -> CommandResult {
        try CommandRunner.run(
            "/bin/bash", [Repository.root + "/scripts/lint.sh", sandbox.root], in: sandbox.root,
            environment: ProcessInfo.processInfo.environment)
    }

    /// Replaces `old` with `new` in `file`, which must hold it.
    static func edit(_ sandbox: Sandbox, _ file: String, _ old: String, _ new: String) throws {
        let text = try String(contentsOfFile: sandbox.path(file), encoding: .utf8)
        try #require(text.contains(old), "\(file) no longer holds \(old)")
        try sandbox.write(file, text.replacingOccurrences(of: old, with: new))
    }

    @Test func theCIFilesAsTheyArePassEveryCheck() throws {
        let result = try Self.lint(try Self.copyOfTheCIFiles())
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        #expect(result.output.components(separatedBy: "lint: ok: ").count - 1 == 9, "\(result.output)")
    }

    /// (what is wrong, the file and edit that makes it so — applied to the workflow's copy in
    /// docs/ci.md too when `bothWorkflowCopies`, the check that must fail, a word of its message)
    @Test(arguments: [
        (
            "a Node 20 checkout", "docs/examples/archive-logs.yml", "actions/checkout@v7", "actions/checkout@v4", true,
            "actionlint docs/examples/archive-logs.yml", "node20"
        ),
        (
            "an input the action lacks", "docs/examples/archive-logs.yml", "          push: true\n",
            "          push: true\n          forse: true\n", true,
            "the workflow's inputs against action.yml", "forse"
        ),
        (
            "a Node 20 cache in the action", "action.yml", "actions/cache/restore@v6", "actions/cache/restore@v4",
            false,
            "action.yml's steps", "node20"
        ),
        (
            "a composite step without a shell", "action.yml", "    - name: System packages\n      shell: bash\n",
            "    - name: System packages\n", false,
            "action.yml matches GitHub's action schema", "runs"
        ),
        (
            "a timeout that is not a number", "docs/examples/archive-logs.yml", "timeout-minutes: 30",
            "timeout-minutes: [30]", true,
            "matches GitHub's workflow schema", "timeout-minutes"
        ),
        (
            "a workflow that docs/ci.md does not show", "docs/examples/archive-logs.yml", "timeout-minutes: 30",
            "timeout-minutes: 20", false,
            "docs/ci.md shows docs/examples/archive-logs.yml as it is", "timeout-minutes: 20"
        ),
        (
            "a Node 20 artifact upload in the release", ".github/workflows/release.yml", "actions/upload-artifact@v6",
            "actions/upload-artifact@v4", false,
            "actionlint .github/workflows/release.yml", "node20"
        ),
        (
            "an unquoted expansion in a script", "scripts/action/run.sh", "set -euo pipefail\n",
            "set -euo pipefail\nrm -rf $RUNNER_TEMP/x\n", false,
            "shellcheck", "SC2086"
        ),
    ])
    func eachKindOfMistakeFailsItsCheck(
        mistake: String, file: String, old: String, new: String, bothWorkflowCopies: Bool, check: String,
        message: String
    ) throws {
        let sandbox = try Self.copyOfTheCIFiles()
        try Self.edit(sandbox, file, old, new)
        if bothWorkflowCopies { try Self.edit(sandbox, "docs/ci.md", old, new) }
        let result = try Self.lint(sandbox)
        #expect(result.status != 0, "\(mistake) passed: \(result.output)")
        let failed = result.errorOutput.split(separator: "\n").filter { $0.hasPrefix("lint: FAILED: ") }
        #expect(failed.contains { $0.contains(check) }, "\(mistake): \(result.errorOutput)")
        #expect(result.errorOutput.contains(message), "\(mistake): \(result.errorOutput)")
    }

    /// The one-step examples of README.md and docs/ci.md are fragments no linter reads: each input
    /// they pass must be one action.yml declares, and `issue`, which it requires, must be there.
    @Test func theOneStepExamplesPassOnlyInputsTheActionDeclares() throws {
        let action = try String(contentsOfFile: Repository.root + "/action.yml", encoding: .utf8)
        let section =
            try #require(action.range(of: "\ninputs:\n"))
            .upperBound..<(try #require(action.range(of: "\noutputs:\n")).lowerBound)
        let declared = Set(
            action[section].split(separator: "\n").filter {
                $0.hasPrefix("  ") && !$0.hasPrefix("   ") && $0.hasSuffix(":")
            }
            .map { String($0.dropFirst(2).dropLast()) })
        #expect(
            declared.isSuperset(of: ["issue", "reason", "store", "push", "version", "args", "doctor"]), "\(declared)")
        for document in ["README.md", "docs/ci.md"] {
            let text = try String(contentsOfFile: Repository.root + "/" + document, encoding: .utf8)
            let step = try #require(
                text.range(of: "- uses: OWNER/logarchive@v1\n  with:\n"), "\(document) has no one-step example")
            let passed = text[step.upperBound...].split(separator: "\n").prefix { $0.hasPrefix("    ") }
                .map { String($0.dropFirst(4).prefix { $0 != ":" }) }
            #expect(passed.contains("issue"), "\(document)")
            #expect(Set(passed).isSubset(of: declared), "\(document) passes \(Set(passed).subtracting(declared))")
        }
    }
}
