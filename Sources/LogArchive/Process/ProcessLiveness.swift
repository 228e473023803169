import Glibc

/// Whether a process id still names a process: what decides that a lock file's owner is gone.
public enum ProcessLiveness {
    /// False only when the system says no such process exists (`kill(pid, 0)` fails with ESRCH);
    /// a process this user may not signal is still running.
    public static func isRunning(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno != ESRCH
    }
}
