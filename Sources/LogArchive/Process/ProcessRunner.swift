import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a program to completion and captures its output; used for git.
/// `executable` is a path, or a name looked up on `PATH`.
///
/// Output is captured in unlinked temporary files rather than pipes: a pipe's write end can be
/// inherited by an unrelated child started at the same moment on another thread, and reading to
/// end-of-file would then wait for that child to exit.
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
        let process = Process()
        if executable.contains("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = environment
        let output = try CaptureFile()
        let errors = try CaptureFile()
        process.standardOutput = output.handle
        process.standardError = errors.handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: output.contents(), errorOutput: errors.contents())
    }
}

/// A temporary file that exists only as an open descriptor (unlinked at once).
private final class CaptureFile {
    let handle: FileHandle

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/logarchive-output-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw FileSystemError("create a temporary file in", path: NSTemporaryDirectory()) }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    func contents() -> String {
        lseek(handle.fileDescriptor, 0, SEEK_SET)
        return String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
    }
}
