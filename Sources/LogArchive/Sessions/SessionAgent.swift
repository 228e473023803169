/// The coding agents whose transcripts `sessions import` finds.
public enum SessionAgent: String, Sendable, CaseIterable {
    case claude
    case codex
}

/// The issue a session's git branch names: a number that is a whole token of the branch
/// (`123-login`, `feat/123`, `issue-123`, `gh-123`, `fix_123_retry`), the first when there are
/// several; `1234-x` names 1234, never 123.
public enum BranchIssue {
    public static func issue(in branch: String) -> IssueNumber? {
        for token in branch.split(whereSeparator: { !($0.isASCII && ($0.isLetter || $0.isNumber)) }) {
            guard token.allSatisfy({ $0.isASCII && $0.isNumber }) else { continue }
            if let issue = try? IssueNumber(validating: String(token)) { return issue }
        }
        return nil
    }
}
