import Foundation
import ArgumentParser
import LogArchive
import Logging

/// Where the logs, the store and the config file are: every subcommand that reads them takes these.
struct LocationOptions: ParsableArguments {
    @Option(name: .customLong("logs-dir"), help: "The logs directory (default: ./logs).", completion: .directory)
    var logsDirectory: String?

    @Option(help: "The store: a directory, file:///path, or s3://bucket/prefix (default: .logarchive-store beside the logs dir).")
    var store: String?

    @Option(help: "A config file (default: ./.logarchive.json when present).", completion: .file(extensions: ["json"]))
    var config: String?

    /// These options as given, to repeat them in a command we print (the retry command).
    var arguments: [String] {
        var arguments: [String] = []
        if let logsDirectory { arguments += ["--logs-dir", logsDirectory] }
        if let store { arguments += ["--store", store] }
        if let config { arguments += ["--config", config] }
        return arguments
    }

    var overrides: SettingsOverrides {
        var overrides = SettingsOverrides()
        overrides.logsDirectory = logsDirectory
        overrides.store = store
        overrides.configFile = config
        return overrides
    }
}

/// Prints a failure the way every subcommand does and maps it to its exit status. With `--json`,
/// stdout gets the one object the command promises too: `error`, `kind`, `exit_code`.
func fail(_ error: ArchiveError, json: Bool = false, in context: CommandContext) -> ExitCode {
    if json { context.output(JSONWriter.compact(error.json) + "\n") }
    context.error("logarchive: error: \(error.message)")
    return ExitCode(error.exitCode)
}

/// `--logs-dir` and `--config`, for the commands that write logs rather than archive them.
struct LogsLocationOptions: ParsableArguments {
    @Option(name: .customLong("logs-dir"), help: "The logs directory (default: ./logs).", completion: .directory)
    var logsDirectory: String?

    @Option(help: "A config file (default: ./.logarchive.json when present).", completion: .file(extensions: ["json"]))
    var config: String?

    /// The logs directory as flags, environment, config file and defaults decide it.
    func resolve(in context: CommandContext) throws(ArchiveError) -> String {
        var overrides = SettingsOverrides()
        overrides.logsDirectory = logsDirectory
        overrides.configFile = config
        return try context.settings(overrides).logsDirectory
    }
}

extension LogType: ExpressibleByArgument {}

extension SettingRange {
    /// The library's range check, run from `validate()`: a refusal is a usage error (exit 64).
    func validate(_ value: Value, flag: String) throws {
        do {
            _ = try check(value, source: flag)
        } catch {
            throw ValidationError(error.message)
        }
    }

    func validate(text: String, flag: String) throws {
        do {
            _ = try parse(text, source: flag)
        } catch {
            throw ValidationError(error.message)
        }
    }
}

/// An issue number argument, checked as the archive checks it.
func parseIssue(_ text: String) throws -> IssueNumber {
    do {
        return try IssueNumber(validating: text)
    } catch {
        throw ValidationError(error.message)
    }
}

/// Finishes the archive of `issue` (nil: of every issue) that a run left when it stopped before
/// its last index write (`UnfinishedArchive`), saying so on stderr. Only the index: the commands
/// that call this show logs, and remove none. Returns the error of a finishing write that failed,
/// for the command to exit with once it has done its own work.
func finishUnfinishedArchives(of issue: IssueNumber?, settings: Settings, in context: CommandContext, logger: Logger)
    -> ArchiveError?
{
    let unfinished = UnfinishedArchive(settings: settings, environment: context.environment, logger: logger)
    var finished: [UnfinishedArchive.Finished] = []
    var failures: [ArchiveError] = []
    if let issue {
        do {
            if let done = try unfinished.finish(issue, localCopies: .kept) { finished.append(done) }
        } catch {
            failures.append(error)
        }
    } else {
        (finished, failures) = unfinished.finishAll(localCopies: .kept)
    }
    for done in finished { context.error("logarchive: \(done.notice)") }
    for failure in failures { context.error("logarchive: error: \(failure.message)") }
    return failures.first
}

/// What S3 objects are written with: `--storage-class`, `--sse`, `--sse-kms-key-id`, `--tags`.
struct S3ObjectOptionGroup: ParsableArguments {
    @Option(help: "S3 storage class of every object (STANDARD, STANDARD_IA, GLACIER_IR, …; config storage_class).")
    var storageClass: String?

    @Option(help: "S3 server-side encryption: AES256 or aws:kms (config sse).")
    var sse: String?

    @Option(name: .customLong("sse-kms-key-id"), help: "The KMS key for --sse aws:kms: a key id, ARN or alias/NAME (config sse_kms_key_id).")
    var sseKMSKeyID: String?

    @Option(help: "Tags of every S3 object, as key=value,key=value (config tags).")
    var tags: String?

    /// Checked here too, so that a bad value is refused before anything runs, naming the flag.
    func validate() throws {
        do {
            var options = S3ObjectOptions()
            if let storageClass { options.storageClass = try S3ObjectOptions.storageClass(storageClass, source: "--storage-class") }
            if let sse { options.serverSideEncryption = try S3ObjectOptions.serverSideEncryption(sse, source: "--sse") }
            if let sseKMSKeyID { options.kmsKeyID = try S3ObjectOptions.kmsKeyID(sseKMSKeyID, source: "--sse-kms-key-id") }
            if let tags { options.tags = try S3ObjectOptions.tags(tags, source: "--tags") }
        } catch {
            throw ValidationError(error.message)
        }
    }

    func apply(to overrides: inout SettingsOverrides) {
        overrides.storageClass = storageClass
        overrides.serverSideEncryption = sse
        overrides.sseKMSKeyID = sseKMSKeyID
        overrides.tags = tags
    }

    /// These options as given, for the retry command a partial archive prints.
    var arguments: [String] {
        var arguments: [String] = []
        if let storageClass { arguments += ["--storage-class", storageClass] }
        if let sse { arguments += ["--sse", sse] }
        if let sseKMSKeyID { arguments += ["--sse-kms-key-id", sseKMSKeyID] }
        if let tags { arguments += ["--tags", tags] }
        return arguments
    }
}
