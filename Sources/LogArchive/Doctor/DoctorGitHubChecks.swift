extension Doctor {
    /// The token, reading the issue (or the repository), and commenting.
    func gitHubChecks(_ settings: Settings, repository: String?, request: DoctorRequest) -> [DoctorCheck] {
        let lifecycle = request.reason != .manual
        guard let token = settings.github.token else {
            let needs =
                lifecycle
                ? "--reason \(request.reason.rawValue) needs it to check the \(request.reason == .issueClosed ? "issue is closed" : "pull request is merged"): the archive would refuse (exit 4)"
                : settings.comment
                    ? "the archive would skip the comment on the issue"
                    : "not needed: comments are off and the reason is manual"
            let status: DoctorCheck.Status = lifecycle ? .failed : settings.comment ? .warning : .ok
            return [
                DoctorCheck(
                    "github_token", status, "no GITHUB_TOKEN or GH_TOKEN: \(needs)",
                    fix: "pass the token to the step: env GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }} (or GH_TOKEN)")
            ]
        }
        let variable = (context.environment["GITHUB_TOKEN"] ?? "").isEmpty ? "GH_TOKEN" : "GITHUB_TOKEN"
        var checks: [DoctorCheck] = [.ok("github_token", "\(variable) is set, for \(settings.github.apiURL)")]
        guard let repository else {
            checks.append(
                .failed("github_read", "not checked: the repository is unknown", fix: "see the repository check"))
            return checks
        }
        let retry: RetryPolicy
        do {
            retry = try Doctor.retryPolicy(settings)
        } catch {
            checks.append(.failed("github_read", error.message, fix: "correct the variable the message names"))
            return checks
        }
        let client = GitHubClient(apiURL: settings.github.apiURL, repository: repository, token: token, retry: retry, logger: context.logger)
        let access: GitHubClient.RepositoryAccess
        do {
            access = try client.repositoryAccess()
        } catch {
            checks.append(readFailure(error, what: repository, variable: variable))
            return checks
        }
        checks.append(readCheck(client, access: access, request: request, variable: variable))
        checks.append(commentCheck(access, settings: settings, repository: repository))
        return checks
    }

    private func readCheck(
        _ client: GitHubClient, access: GitHubClient.RepositoryAccess, request: DoctorRequest, variable: String
    )
        -> DoctorCheck
    {
        let visibility = access.isPrivate ? "private" : "public"
        guard let number = request.issue else {
            return .ok("github_read", "the token reads \(client.repository) (\(visibility))")
        }
        let issue: GitHubClient.Issue
        do {
            issue = try client.issue(number)
        } catch {
            return readFailure(error, what: "#\(number) in \(client.repository)", variable: variable)
        }
        let kind = issue.isPullRequest ? "pull request" : "issue"
        let title = issue.title.map { " '\(Wording.oneLine($0))'" } ?? ""
        let read = "the token reads \(kind) #\(number)\(title) (\(issue.state)) in \(client.repository)"
        switch request.reason {
        case .issueClosed where issue.state != "closed":
            return .warning(
                "github_read", "\(read): --reason issue_closed would refuse it (exit 4) until it is closed",
                fix: "run the archive when the issue closes (on: issues: types: [closed])")
        case .prMerged where !issue.isPullRequest || issue.isMerged == false:
            let why = issue.isPullRequest ? "it is not merged" : "it is not a pull request"
            return .warning(
                "github_read", "\(read): --reason pr_merged would refuse it (exit 4): \(why)",
                fix: "run the archive when the pull request merges (on: pull_request: types: [closed], if merged)")
        default:
            return .ok("github_read", read)
        }
    }

    private func readFailure(_ error: any Error, what: String, variable: String) -> DoctorCheck {
        guard let error = error as? GitHubError else {
            return .failed(
                "github_read", "cannot reach GitHub at \(what): \(error)",
                fix: "check GITHUB_API_URL and that this machine reaches it")
        }
        switch error.status {
        case 401:
            return .failed(
                "github_read", "GitHub refuses the token in \(variable) (401 \(error.message))",
                fix: "the token is wrong, revoked or expired: set a valid one")
        case 403, 404:
            return .failed(
                "github_read", "GitHub shows the token nothing at \(what) (\(error.status) \(error.message))",
                fix:
                    "check the repository's name (GITHUB_REPOSITORY), and give the token access to it (a fine-grained token: this repository, Issues read)"
            )
        default:
            return .failed(
                "github_read", "cannot read \(what): \(error)", fix: "try again; if it persists, see githubstatus.com")
        }
    }

    /// Fine-grained personal access tokens start so (classic ones `ghp_`, GitHub Actions' `ghs_`).
    static let fineGrainedTokenPrefix = "github_pat_"

    /// Whether the token may comment, from what GitHub says about it: a classic token's scopes
    /// (`X-OAuth-Scopes`), else the user's permissions on the repository. GitHub Actions'
    /// installation token shows neither: then only the workflow's `permissions:` can tell.
    private func commentCheck(_ access: GitHubClient.RepositoryAccess, settings: Settings, repository: String)
        -> DoctorCheck
    {
        guard settings.comment else {
            return .ok("github_comment", "not needed: comments are off")
        }
        if let scopes = access.scopes {
            let listed = scopes.isEmpty ? "none" : scopes.joined(separator: ", ")
            if scopes.contains("repo") || (!access.isPrivate && scopes.contains("public_repo")) {
                return .ok("github_comment", "the classic token's scopes (\(listed)) allow commenting")
            }
            let needed = access.isPrivate ? "repo" : "public_repo (or repo)"
            return .failed(
                "github_comment", "the classic token's scopes (\(listed)) do not allow commenting on \(repository)",
                fix: "give the token the \(needed) scope, or turn comments off (--no-comment, LOGARCHIVE_COMMENT=false)"
            )
        }
        if let permissions = access.permissions {
            let granted = ["admin", "maintain", "push", "triage"].filter { permissions[$0] == true }
            if let best = granted.first, settings.github.token?.hasPrefix(Self.fineGrainedTokenPrefix) == true {
                // The permissions GitHub lists are the user's role, not what the fine-grained token
                // was given, and GitHub says nothing of that: an Issues read-only token looks the same.
                return .warning(
                    "github_comment",
                    "the token's user may comment (\(best) permission on \(repository)), but GitHub does not say whether this fine-grained token was given Issues write",
                    fix: "check the token's repository permissions: Issues read and write (and Contents read and write for --push)")
            }
            if let best = granted.first {
                return .ok("github_comment", "the token may comment (\(best) permission on \(repository))")
            }
            let listed = permissions.filter(\.value).keys.sorted().joined(separator: ", ")
            return .failed(
                "github_comment",
                "the token may only read \(repository) (permissions: \(listed.isEmpty ? "none" : listed)): the comment would fail",
                fix:
                    "use a token with write access to issues (a fine-grained token: Issues read and write; in a workflow: permissions: issues: write), or turn comments off (--no-comment, LOGARCHIVE_COMMENT=false)"
            )
        }
        return .warning(
            "github_comment",
            "GitHub does not say what this token may do (GitHub Actions' own token): commenting is not checked",
            fix: "give the job permissions: issues: write (and contents: write for --push)")
    }
}
