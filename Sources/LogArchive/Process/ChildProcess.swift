import CProcessSpawn

import Glibc

/// A command started with `posix_spawn`: the one way the library starts a program (`capture`'s
/// command, git through `ProcessRunner`).
///
/// Spawned by hand rather than through Foundation's `Process` so that the child starts with an
/// empty signal mask and default signal dispositions whatever this process's threads block or
/// ignore: a captured `make` must still die on Ctrl-C or a CI runner's SIGTERM.
///
/// Every descriptor this makes for a child (its pipes) is close-on-exec from the moment it exists
/// (`pipe2`), so no child that another thread starts at the same moment can inherit a pipe's write
/// end and hold the reader's end of file back until that other child exits.
public final class ChildProcess {
    /// Where the child's standard output or error goes.
    public enum Output {
        /// A pipe whose read end is `output` or `errors`.
        case pipe
        /// A descriptor of ours (a file), shared with the child.
        case descriptor(Int32)
    }

    /// How the child ended.
    public enum Termination: Equatable {
        case exited(Int32)
        case signalled(Int32)
    }

    public let pid: pid_t
    /// Read ends of the child's standard output and error; -1 for one that goes to a descriptor.
    public let output: Int32
    public let errors: Int32

    /// Starts `arguments`, the program looked up on `PATH` unless it holds a slash.
    /// - Parameters:
    ///   - environment: the child's whole environment; nil passes on this process's.
    ///   - directory: the child's working directory; nil keeps this process's.
    ///   - nullInput: standard input from `/dev/null` instead of this process's.
    ///   - ownProcessGroup: the child leads a process group of its own, so a terminal's Ctrl-C
    ///     reaches only this process, which decides (git, run for the archive, is started so).
    ///   - closingInheritedDescriptors: every descriptor but the three standard ones is closed in
    ///     the child, whoever opened it and however. Off for `capture`, whose command may need
    ///     what its caller passed on (a make jobserver's pipe).
    public init(
        _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil, nullInput: Bool = false,
        output outputTarget: Output = .pipe, errors errorTarget: Output = .pipe, ownProcessGroup: Bool = false,
        closingInheritedDescriptors: Bool = false
    ) throws(ArchiveError) {
        guard let program = arguments.first, !program.isEmpty else { throw .badInput("no command to run") }
        if let directory, !FileSystem.isDirectory(directory) {
            throw .failure("cannot run \(program) in \(directory): no such directory")
        }
        var outputPipe: [Int32] = [-1, -1]
        var errorPipe: [Int32] = [-1, -1]
        func closeAll() { for descriptor in outputPipe + errorPipe where descriptor >= 0 { close(descriptor) } }
        if case .pipe = outputTarget, logarchive_pipe_cloexec(&outputPipe) != 0 {
            throw .failure("cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        if case .pipe = errorTarget, logarchive_pipe_cloexec(&errorPipe) != 0 {
            let reason = String(cString: strerror(errno))
            closeAll()
            throw .failure("cannot create a pipe: \(reason)")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if nullInput { posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) }
        switch outputTarget {
        case .pipe: posix_spawn_file_actions_adddup2(&actions, outputPipe[1], 1)
        case .descriptor(let descriptor): posix_spawn_file_actions_adddup2(&actions, descriptor, 1)
        }
        switch errorTarget {
        case .pipe: posix_spawn_file_actions_adddup2(&actions, errorPipe[1], 2)
        case .descriptor(let descriptor): posix_spawn_file_actions_adddup2(&actions, descriptor, 2)
        }
        if let directory { _ = logarchive_spawn_add_chdir(&actions, directory) }
        if closingInheritedDescriptors { _ = logarchive_spawn_add_closefrom(&actions, 3) }

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
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if ownProcessGroup {
            flags |= POSIX_SPAWN_SETPGROUP
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        var child: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { envp?.forEach { free($0) } }
        let status =
            if let envp {
                posix_spawnp(&child, program, &actions, &attributes, argv, envp)
            } else {
                posix_spawnp(&child, program, &actions, &attributes, argv, environ)
            }
        for descriptor in [outputPipe[1], errorPipe[1]] where descriptor >= 0 { close(descriptor) }
        guard status == 0 else {
            for descriptor in [outputPipe[0], errorPipe[0]] where descriptor >= 0 { close(descriptor) }
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
        switch waitForTermination() {
        case .exited(let code): code
        case .signalled(let signal): 128 + signal
        }
    }

    /// Waits for the child and says how it ended.
    public func waitForTermination() -> Termination {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return .exited(1) }
        }
        let signal = status & 0x7f
        if signal == 0 { return .exited((status >> 8) & 0xff) }
        return .signalled(signal)
    }

    public func signal(_ number: Int32) { kill(pid, number) }
}
