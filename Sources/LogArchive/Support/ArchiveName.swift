#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Gives a finished temporary file its final name without ever replacing an existing file:
/// `stem + suffix`, else `stem-1 + suffix`, `stem-2 + suffix`, … `link(2)` fails when the name is
/// taken, so two processes finishing in the same second both keep their archives.
public enum ArchiveName {
    /// `20251115T140000.123Z`: ISO 8601 basic form in UTC to the millisecond, so archives of one
    /// log sort by name in the order they were made.
    public static func timestamp() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        let milliseconds = Int(spec.tv_nsec / 1_000_000)
        let digits = String(milliseconds)
        let padded = String(repeating: "0", count: 3 - digits.count) + digits
        return String(UTCTimestamp(seconds: Int64(spec.tv_sec)).basicISO8601.dropLast()) + ".\(padded)Z"
    }

    public static func link(_ temporary: String, in directory: String, stem: String, suffix: String) throws(FileSystemError) -> String {
        for attempt in 0..<10_000 {
            let name = attempt == 0 ? stem + suffix : "\(stem)-\(attempt)\(suffix)"
            let candidate = Paths.join(directory, name)
            if Glibc.link(temporary, candidate) == 0 { return candidate }
            guard errno == EEXIST else { throw FileSystemError("name the archive", path: candidate) }
        }
        throw FileSystemError("find a free archive name", path: Paths.join(directory, stem + suffix), errorNumber: EEXIST)
    }
}
