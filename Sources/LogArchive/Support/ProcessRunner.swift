import Foundation

/// Runs a program to completion and captures its output; used for git.
/// `executable` is a path, or a name looked up on `PATH`.
public struct ProcessRunner: Sendable {
    public struct Result: Sendable {
        public let status: Int32
        public let output: String
        public let errorOutput: String
        public var succeeded: Bool { status == 0 }
    }

    public var environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    public func run(_ executable: String, _ arguments: [String], in directory: String) throws -> Result {
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
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Drain both pipes concurrently so a chatty child never blocks on a full pipe.
        let errorData = LockedBox(Data())
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            errorData.set(errors.fileHandleForReading.readDataToEndOfFile())
        }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            output: String(decoding: outputData, as: UTF8.self),
            errorOutput: String(decoding: errorData.get(), as: UTF8.self))
    }
}

/// A value shared between threads behind a lock.
final class LockedBox<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    init(_ value: Value) {
        self.value = value
    }

    func get() -> Value {
        lock.lock()
        defer { lock.unlock() }
        return value
    }

    func set(_ newValue: Value) {
        lock.lock()
        defer { lock.unlock() }
        value = newValue
    }
}
