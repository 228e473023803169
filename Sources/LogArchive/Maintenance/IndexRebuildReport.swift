/// What `reindex --all` did to the index, or with `--dry-run` would do.
public struct IndexRebuildReport: Sendable {
    /// An issue added or updated, with what changed.
    public struct Change: Sendable {
        public let issue: IssueNumber
        public let changes: [String]
        public let logs: Int
        public let uploadedLogs: Int
    }

    /// An issue left as it was, and why.
    public struct Kept: Sendable {
        public let issue: IssueNumber
        public let reason: String
    }

    /// Something that could not be read or written; any makes the command fail.
    public struct Problem: Sendable {
        /// The store key, `index`, or `issue #N`.
        public let subject: String
        public let message: String
    }

    public let dryRun: Bool
    public let storeLocation: String
    public let indexPath: String
    /// Issues with at least one manifest in the store.
    public var issuesInStore = 0
    public var added: [Change] = []
    public var updated: [Change] = []
    public var unchanged = 0
    /// Index entries the store has no readable manifest for: kept as they are.
    public var kept: [Kept] = []
    /// Store folders holding logs of an issue that has no manifest and no entry.
    public var notIndexed: [Kept] = []
    public var problems: [Problem] = []

    public init(dryRun: Bool, storeLocation: String, indexPath: String) {
        self.dryRun = dryRun
        self.storeLocation = storeLocation
        self.indexPath = indexPath
    }

    /// 0 when everything the store holds was read and every entry written; 1 otherwise, after the rest was done.
    public var exitCode: Int32 { problems.isEmpty ? 0 : ArchiveError.Kind.failure.exitCode }

    mutating func record(_ issue: IssueNumber, before: ArchiveEntry?, after: ArchiveEntry) {
        let uploaded = after.logs.filter { $0.uploadStatus == .uploaded }.count
        guard let before else {
            added.append(Change(issue: issue, changes: [], logs: after.logs.count, uploadedLogs: uploaded))
            return
        }
        if before == after {
            unchanged += 1
        } else {
            updated.append(
                Change(
                    issue: issue, changes: EntryChanges.between(before, after), logs: after.logs.count,
                    uploadedLogs: uploaded))
        }
    }
}
