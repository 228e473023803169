#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A command started with `posix_spawnp`, its standard output and error on pipes we read.
///
/// Spawned by hand rather than through Foundation's `Process` so that the child starts with an
/// empty signal mask and default signal dispositions whatever this process's threads block or
/// ignore: a captured `make` must still die on Ctrl-C or a CI runner's SIGTERM.
public final class ChildProcess {
    public let pid: pid_t
    /// Read ends of the child's standard output and error.
    public let output: Int32
    public let errors: Int32

    public init(_ arguments: [String]) throws(ArchiveError) {
        guard let program = arguments.first, !program.isEmpty else { throw .badInput("no command to run") }
        var outputPipe: [Int32] = [0, 0]
        var errorPipe: [Int32] = [0, 0]
        // pipe2 is not visible from Swift here; close-on-exec is set right after.
        guard pipe(&outputPipe) == 0, pipe(&errorPipe) == 0 else {
            throw .failure("cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        for descriptor in outputPipe + errorPipe { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, outputPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errorPipe[1], 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGPIPE, SIGXFSZ] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var child: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let status = posix_spawnp(&child, program, &actions, &attributes, argv, environ)
        close(outputPipe[1])
        close(errorPipe[1])
        guard status == 0 else {
            close(outputPipe[0])
            close(errorPipe[0])
            let reason = String(cString: strerror(status))
            throw status == ENOENT
                ? ArchiveError(.commandNotRun(127), "cannot run \(program): command not found")
                : ArchiveError(.commandNotRun(126), "cannot run \(program): \(reason)")
        }
        pid = child
        output = outputPipe[0]
        errors = errorPipe[0]
    }

    /// Waits for the child; its exit code, or 128 + the signal that killed it, as shells report it.
    public func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return 1 }
        }
        let signal = status & 0x7f
        if signal == 0 { return (status >> 8) & 0xff }
        return 128 + signal
    }

    public func signal(_ number: Int32) { kill(pid, number) }
}
