import Foundation
import Testing

@testable import LogArchive

/// A signal that arrives while a thread sits in `read` or `write` makes the call fail with EINTR
/// when the handler was installed without SA_RESTART (as a host process may do). The file layer
/// must retry, or an archive fails (or a log line is lost) for no reason a user could act on.
/// Signals the handler saw: proof that the calls were interrupted, not merely signalled.
nonisolated(unsafe) private var handledSignals = 0

/// Lets SIGUSR2 reach the calling thread (a test runner's threads may block it).
private func unblockSIGUSR2() {
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGUSR2)
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
}

@Suite(.serialized) struct InterruptedCallsTests {
    @Test func readsAndWritesThroughAFIFORetryWhenSignalsInterruptThem() throws {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in handledSignals += 1 }
        action.sa_flags = 0  // no SA_RESTART: blocked calls return EINTR
        sigemptyset(&action.sa_mask)
        var previous = sigaction()
        try #require(sigaction(SIGUSR2, &action, &previous) == 0)
        defer { sigaction(SIGUSR2, &previous, nil) }

        let sandbox = try Sandbox()
        let fifo = sandbox.path("pipe")
        try #require(mkfifo(fifo, 0o600) == 0)
        let payload = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }

        let writerThread = Locked<pthread_t?>(nil)
        let writeResult = Locked<Result<Void, FileSystemError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let opened = DispatchSemaphore(value: 0)
        Thread {
            unblockSIGUSR2()
            writerThread.withLock { $0 = pthread_self() }
            let result = Result { () throws(FileSystemError) in
                // A slow writer: the reader waits in `read` on an empty pipe most of the time,
                // where a signal makes the call fail with EINTR.
                let file = try PosixFile.open(fifo, flags: O_WRONLY)
                opened.signal()
                for start in stride(from: 0, to: payload.count, by: 1024) {
                    try file.write(Array(payload[start..<min(start + 1024, payload.count)]))
                    usleep(100)
                }
                try file.close()
            }
            writeResult.withLock { $0 = result }
            done.signal()
        }.start()

        unblockSIGUSR2()
        handledSignals = 0
        let reader = try PosixFile.openForReading(fifo)
        // A FIFO with no writer yet reads as ended: wait for the writer's end to be open.
        opened.wait()
        let readerThread = pthread_self()
        let stop = Locked(false)
        let signalled = Locked(0)
        Thread {
            while !stop.withLock({ $0 }) {
                pthread_kill(readerThread, SIGUSR2)
                if let writer = writerThread.withLock({ $0 }) { pthread_kill(writer, SIGUSR2) }
                signalled.withLock { $0 += 1 }
                usleep(200)
            }
        }.start()
        defer { stop.withLock { $0 = true } }

        var received: [UInt8] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try reader.read(into: buffer)
            if count == 0 { break }
            received.append(contentsOf: buffer[0..<count])
        }
        done.wait()
        stop.withLock { $0 = true }
        try writeResult.withLock { $0 }?.get()
        #expect(received == payload)
        #expect(signalled.withLock { $0 } > 50)
        #expect(handledSignals > 50, "the calls were interrupted")
    }
}
