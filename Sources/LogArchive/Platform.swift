// logarchive is built and tested on Linux (glibc) only; see Package.swift. A port starts in
// FileSystem/ and Process/, where the OS calls are.
#if !os(Linux)
    #error("logarchive supports Linux only")
#endif
