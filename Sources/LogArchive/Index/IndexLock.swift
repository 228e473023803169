/// The lock of one index file (the root or a shard), `<file>.lock` beside it: every write of that
/// file holds it, and so does a commit while git reads the index. An issue's whole run is guarded
/// by another lock, `IssueRunLock`.
public typealias IndexLock = FileLock
