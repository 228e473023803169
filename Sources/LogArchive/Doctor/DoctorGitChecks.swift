import Foundation

extension Doctor {
    /// For `--push` (or `push: true`): a branch rather than a detached HEAD, where the commit
    /// goes, and an identity to commit with. Without it, only the identity the index commit needs.
    func gitChecks(_ settings: Settings) -> [DoctorCheck] {
        guard settings.commit || settings.push else { return [] }
        guard let git = GitRepository.containing(settings.logsDirectory, environment: context.environment) else {
            guard settings.push else { return [] }  // not in git: nothing is committed, nothing to check
            return [
                .failed(
                    "git_branch", "\(settings.logsDirectory) is not in a git work tree: there is nothing to push",
                    fix: "check the repository out (actions/checkout) and run in it, or drop --push")
            ]
        }
        var checks: [DoctorCheck] = []
        if settings.push {
            let branch = currentBranch(git)
            checks.append(branch.check)
            if let name = branch.name {
                let upstream = upstreamCheck(git, branch: name)
                checks.append(upstream.check)
                if let target = upstream.target { checks.append(pushAccessCheck(git, remote: target.remote, ref: target.ref)) }
            }
        }
        checks.append(identityCheck(git, pushing: settings.push))
        return checks
    }

    private func currentBranch(_ git: GitRepository) -> (name: String?, check: DoctorCheck) {
        let result = try? git.run(["symbolic-ref", "--quiet", "--short", "HEAD"])
        if let result, result.succeeded, !result.output.trimmingWhitespace().isEmpty {
            let name = result.output.trimmingWhitespace()
            return (name, .ok("git_branch", "on branch \(name)"))
        }
        let head = (try? git.run(["rev-parse", "--short", "HEAD"]))?.output.trimmingWhitespace() ?? ""
        return (
            nil,
            .failed(
                "git_branch", "HEAD is detached\(head.isEmpty ? "" : " at \(head)"): --push has no branch to push",
                fix:
                    "check out the branch the index belongs on (git switch main; in CI, actions/checkout with ref: the default branch)"
            )
        )
    }

    /// The branch's upstream, or `origin` under the same name, which is where the push goes.
    /// Also where the push goes (remote and ref), when it goes anywhere.
    private func upstreamCheck(_ git: GitRepository, branch: String)
        -> (check: DoctorCheck, target: (remote: String, ref: String)?)
    {
        let remote = Self.gitOutput(git, ["config", "--get", "branch.\(branch).remote"])
        let merge = Self.gitOutput(git, ["config", "--get", "branch.\(branch).merge"])
        if let remote, let merge {
            let url =
                Self.gitOutput(git, ["remote", "get-url", remote]).map { " (\(Self.withoutCredentials($0)))" } ?? ""
            let check = DoctorCheck.ok(
                "git_upstream",
                "\(branch) pushes to \(remote)\(url) \(merge.replacingOccurrences(of: "refs/heads/", with: ""))")
            return (check, (remote, merge))
        }
        if let origin = git.originURL() {
            let check = DoctorCheck.ok(
                "git_upstream",
                "\(branch) has no upstream: it pushes to origin (\(Self.withoutCredentials(origin))) \(branch)")
            return (check, ("origin", "refs/heads/\(branch)"))
        }
        let check = DoctorCheck.failed(
            "git_upstream", "\(branch) has no upstream and there is no remote 'origin': --push has nowhere to go",
            fix: "git remote add origin URL, or git branch --set-upstream-to REMOTE/BRANCH")
        return (check, nil)
    }

    /// `git push --dry-run` of the branch to where `--push` sends it: git connects and
    /// authenticates for a push as the real one would (credentials, the remote's existence, its
    /// permission), and changes nothing. A remote that moved on is fine: the archive rebases.
    private func pushAccessCheck(_ git: GitRepository, remote: String, ref: String) -> DoctorCheck {
        // Never a password prompt: a check that waits on a person is no check.
        let result = try? git.run(
            ["push", "--dry-run", "--porcelain", remote, "HEAD:\(ref)"], environment: ["GIT_TERMINAL_PROMPT": "0"])
        guard let result else {
            return .failed("git_push", "cannot run git push --dry-run", fix: "check that git is installed")
        }
        let detail = LogRedaction.text((result.output + result.errorOutput).trimmingWhitespace())
        if result.succeeded {
            return .ok("git_push", "git push --dry-run to \(remote) is accepted: the credentials may push")
        }
        if GitRepository.remoteMovedOn(detail) {
            return .ok("git_push", "git push --dry-run to \(remote) authenticated; the remote has moved on, which --push handles by rebasing")
        }
        return .failed(
            "git_push", "git push --dry-run to \(remote) failed: \(GitRepository.gist(of: detail))",
            fix: "give the job push access (actions/checkout with persist-credentials and permissions: contents: write, or a deploy key), or drop --push")
    }

    /// `git var GIT_COMMITTER_IDENT` fails as `git commit` would when git has no identity.
    private func identityCheck(_ git: GitRepository, pushing: Bool) -> DoctorCheck {
        let author = try? git.run(["var", "GIT_AUTHOR_IDENT"])
        let committer = try? git.run(["var", "GIT_COMMITTER_IDENT"])
        if let author, let committer, author.succeeded, committer.succeeded {
            let ident = author.output.trimmingWhitespace()
            // "Name <email> 1700000000 +0000": the time is not part of who.
            let who = ident.range(of: ">").map { String(ident[..<$0.upperBound]) } ?? ident
            return .ok("git_identity", "commits as \(who)")
        }
        let fix =
            "git config user.name 'CI' && git config user.email ci@example.com (or GIT_AUTHOR_NAME/GIT_AUTHOR_EMAIL and GIT_COMMITTER_NAME/GIT_COMMITTER_EMAIL)"
        if pushing {
            return .failed("git_identity", "git has no identity: the index commit, and so --push, would fail", fix: fix)
        }
        return .warning(
            "git_identity", "git has no identity: the index would not be committed (a warning of the archive)", fix: fix
        )
    }

    /// git's trimmed output, or nil when it failed or printed nothing.
    static func gitOutput(_ git: GitRepository, _ arguments: [String]) -> String? {
        guard let result = try? git.run(arguments), result.succeeded else { return nil }
        let text = result.output.trimmingWhitespace()
        return text.isEmpty ? nil : text
    }

    // MARK: TLS

    /// Certificates are always verified by the HTTP layer (no setting turns that off); what can
    /// still weaken a run is a plain-http endpoint, or git told not to verify for the push.
    func tlsCheck(_ settings: Settings) -> DoctorCheck {
        var failures: [String] = []
        var warnings: [String] = []
        if let endpoint = settings.s3.endpoint, case .s3 = settings.store, Self.isPlainRemoteHTTP(endpoint) {
            warnings.append(
                "the S3 endpoint \(endpoint) is plain http: requests are signed but the logs travel unencrypted")
        }
        if settings.github.token != nil, Self.isPlainRemoteHTTP(settings.github.apiURL) {
            failures.append(
                "GITHUB_API_URL \(settings.github.apiURL) is plain http: the token would travel unencrypted")
        }
        if settings.push || settings.commit,
            let git = GitRepository.containing(settings.logsDirectory, environment: context.environment)
        {
            let noVerify = context.environment["GIT_SSL_NO_VERIFY"].map { !$0.isEmpty } ?? false
            let sslVerify = (try? git.run(["config", "--type=bool", "--get", "http.sslVerify"]))?.output
                .trimmingWhitespace()
            let what =
                noVerify ? "GIT_SSL_NO_VERIFY is set" : sslVerify == "false" ? "git's http.sslVerify is false" : nil
            if let what {
                let finding = "\(what): git does not verify the remote's certificate"
                if settings.push { failures.append(finding) } else { warnings.append(finding) }
            }
        }
        let store = context.environment["SSL_CERT_FILE"].map { ", trusted certificates from SSL_CERT_FILE=\($0)" } ?? ""
        let fix = "use https:// URLs; unset GIT_SSL_NO_VERIFY and git config --unset http.sslVerify"
        if !failures.isEmpty {
            return .failed("tls", (failures + warnings).joined(separator: "; "), fix: fix)
        }
        if !warnings.isEmpty {
            return .warning("tls", warnings.joined(separator: "; "), fix: fix)
        }
        return .ok(
            "tls", "certificates and host names are verified on every HTTPS request (no setting turns it off)\(store)")
    }

    /// `http://` to anything but this machine: loopback test servers are not a risk.
    static func isPlainRemoteHTTP(_ url: String) -> Bool { URLAuthority(url)?.isPlainRemoteHTTP ?? false }
}
