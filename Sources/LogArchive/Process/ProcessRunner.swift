import CProcessSpawn
import Foundation
import Logging

import Glibc

/// Runs a program to completion and captures its output; used for git.
/// `executable` is a path, or a name looked up on the `PATH` of `environment`.
///
/// Started by `ChildProcess`, in a process group of its own and with no descriptor of ours but
/// its standard ones. Output is captured in unlinked temporary files rather than pipes, so that
/// nothing waits on an end of file that another process could hold back.
public struct ProcessRunner: Sendable {
    public struct Result: Sendable {
        public let status: Int32
        public let output: String
        public let errorOutput: String
        public var succeeded: Bool { status == 0 }
    }

    public var environment: [String: String]
    /// Hears each command run, at debug: its arguments (URL credentials redacted), exit status and
    /// duration. The environment is never logged.
    public var logger: Logger

    public init(environment: [String: String], logger: Logger = .discarding) {
        self.environment = environment
        self.logger = logger
    }

    public func run(_ executable: String, _ arguments: [String], in directory: String) throws -> Result {
        let started = MonotonicClock.nanoseconds()
        let commandLine = LogRedaction.commandLine([executable] + arguments)
        do {
            let result = try launch(executable, arguments, in: directory)
            logger.debug(
                "run \(commandLine)",
                metadata: [
                    "status": "\(result.status)", "duration_ms": .milliseconds(MonotonicClock.nanoseconds() - started),
                    "directory": "\(directory)",
                ])
            return result
        } catch {
            logger.debug("run \(commandLine)", metadata: ["error": "\(error)", "directory": "\(directory)"])
            throw error
        }
    }

    private func launch(_ executable: String, _ arguments: [String], in directory: String) throws -> Result {
        // Through env, so that a bare name is looked up on the child's PATH rather than ours.
        let command = executable.contains("/") ? [executable] + arguments : ["/usr/bin/env", executable] + arguments
        let output = try CaptureFile()
        let errors = try CaptureFile()
        let child = try ChildProcess(
            command, environment: environment, directory: directory, nullInput: true,
            output: .descriptor(output.handle.fileDescriptor), errors: .descriptor(errors.handle.fileDescriptor),
            ownProcessGroup: true, closingInheritedDescriptors: true)
        // The status as Foundation's Process gave it: the exit code, or the signal that ended it.
        let status: Int32 =
            switch child.waitForTermination() {
            case .exited(let code): code
            case .signalled(let signal): signal
            }
        return Result(status: status, output: output.contents(), errorOutput: errors.contents())
    }
}

/// A temporary file that exists only as an open descriptor (unlinked at once), close-on-exec from
/// the start.
private final class CaptureFile {
    let handle: FileHandle

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/logarchive-output-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { logarchive_mkstemp_cloexec($0.baseAddress!) }
        guard descriptor >= 0 else { throw FileSystemError("create a temporary file in", path: NSTemporaryDirectory()) }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    func contents() -> String {
        lseek(handle.fileDescriptor, 0, SEEK_SET)
        return String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
    }
}
