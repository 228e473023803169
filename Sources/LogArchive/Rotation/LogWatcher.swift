import Dispatch
import Logging

/// Watches a folder and rotates every log in it that grows over the threshold.
///
/// The folder is checked every `interval`; rotations run one at a time on a queue of their own,
/// so a long compression never delays the next check (a file still being rotated is skipped).
/// `stop()` wakes the loop at once; a rotation under way is cancelled, which removes its partial
/// archive and leaves the log as it was, and `run` returns once it has cleaned up.
public final class LogWatcher: Sendable {
    public enum Event: Sendable {
        case archived(LogRotator.Rotation)
        case failed(file: String, error: ArchiveError)
    }

    public let directory: String
    public let interval: Double
    public let rotator: LogRotator
    private let onEvent: @Sendable (Event) -> Void
    private let stopping = Cancellation()
    private let wake = DispatchSemaphore(value: 0)
    private let rotations = DispatchQueue(label: "logarchive.watch.rotations")
    private let rotationsDone = DispatchGroup()
    private let busy = Locked<Set<String>>([])

    public init(directory: String, interval: Double, rotator: LogRotator, onEvent: @escaping @Sendable (Event) -> Void) {
        self.directory = directory
        self.interval = interval
        self.rotator = rotator
        self.onEvent = onEvent
    }

    /// Checks the folder until `stop()`; throws only if the folder cannot be read at the start.
    public func run() throws(ArchiveError) {
        guard FileSystem.isDirectory(directory) else {
            throw .badInput("cannot watch \(directory): it is not a folder")
        }
        while !stopping.isCancelled {
            let over = candidates()
            rotator.options.logger.debug(
                "watch: checked \(directory): \(over.count) over the \(rotator.options.threshold)-byte threshold; next check in \(interval) s")
            for path in over { schedule(path) }
            _ = wake.wait(timeout: .now() + interval)
        }
        rotationsDone.wait()
    }

    public func stop() {
        stopping.cancel()
        wake.signal()
    }

    /// Regular files of the folder over the threshold; hidden files (our temporaries) and `.gz`
    /// archives are not logs to rotate.
    private func candidates() -> [String] {
        guard let names = try? FileSystem.contents(of: directory) else { return [] }
        return names.compactMap { name in
            guard !name.hasPrefix("."), !name.hasSuffix(".gz") else { return nil }
            let path = Paths.join(directory, name)
            guard let status = try? FileStatus.of(path), status.kind == .regular,
                status.size > rotator.options.threshold
            else { return nil }
            return path
        }
    }

    private func schedule(_ path: String) {
        guard busy.withLock({ $0.insert(path).inserted }) else {
            rotator.options.logger.debug("watch: \(path) is still being rotated: skipped this time")
            return
        }
        rotationsDone.enter()
        rotations.async { [self] in
            defer {
                busy.withLock { _ = $0.remove(path) }
                rotationsDone.leave()
            }
            guard !stopping.isCancelled else { return }
            do throws(ArchiveError) {
                if case .rotated(let rotation) = try rotator.rotate(path, cancellation: stopping) {
                    onEvent(.archived(rotation))
                }
            } catch {
                if !stopping.isCancelled { onEvent(.failed(file: path, error: error)) }
            }
        }
    }
}
