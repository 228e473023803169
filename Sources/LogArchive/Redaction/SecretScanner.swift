import Glibc

/// One secret found: `start..<end` is replaced by the rule's marker. `continuation` is set when the
/// secret's last run of bytes reached the end of the bytes scanned before the text ended: the
/// bytes of that class that follow belong to it too.
struct SecretMatch: Sendable, Equatable {
    var start: Int
    var end: Int
    var rule: RedactionRule
    var continuation: SecretByteClass?
}

/// The sets of bytes a secret's runs are made of.
enum SecretByteClass: UInt8, Sendable {
    case alphanumeric, key, githubPAT, slack, awsSecret, token, assigned, upperOrDigit

    private static let table: [UInt8] = (0..<256).map { value in
        let byte = UInt8(value)
        let upper = byte >= 0x41 && byte <= 0x5A
        let lower = byte >= 0x61 && byte <= 0x7A
        let digit = byte >= 0x30 && byte <= 0x39
        let alphanumeric = upper || lower || digit
        func has(_ set: String) -> Bool { set.utf8.contains(byte) }
        var bits: UInt8 = 0
        if alphanumeric { bits |= 1 << 0 }
        if alphanumeric || has("-_") { bits |= 1 << 1 }
        if alphanumeric || has("_") { bits |= 1 << 2 }
        if alphanumeric || has("-") { bits |= 1 << 3 }
        if alphanumeric || has("/+=") { bits |= 1 << 4 }
        if alphanumeric || has("-_.~+/=") { bits |= 1 << 5 }
        // An assigned value ends at white space, a quote, a backslash (a JSON escape, whose
        // removal would break the line) or a separator of query strings and lists.
        if byte > 0x20 && byte < 0x7F && !has("\"'&,;\\") { bits |= 1 << 6 }
        if upper || digit { bits |= 1 << 7 }
        return bits
    }

    // Written once, then only read.
    nonisolated(unsafe) static let bits: UnsafePointer<UInt8> = {
        let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        for index in 0..<256 { pointer[index] = table[index] }
        return UnsafePointer(pointer)
    }()

    @inline(__always) func contains(_ byte: UInt8) -> Bool {
        Self.bits[Int(byte)] & (1 << rawValue) != 0
    }
}

/// Finds secrets of known shapes in bytes, one pass with a table lookup per byte.
///
/// Every secret begins with one of a few two-byte pairs (`AK`, `gh`, `sk`, `ey`, `--`, `:/`, a
/// keyword's last letter and `=`, …); a table of all 65,536 pairs says whether the pair at a
/// position can begin one, and only then is the shape checked. Text with no such pair costs the
/// lookup and nothing else.
///
/// Deciding whether a secret starts at a position reads at most `lookahead` bytes after it and
/// `lookbehind` before it, so a stream cut into windows finds exactly what the whole text would
/// give: a window is scanned only up to `lookahead` before its end. A secret's last run (a token's
/// characters) is not bounded: it may go on past the window, as `SecretMatch.continuation` says.
struct SecretScanner: Sendable {
    /// The most a secret's shape is read past its first byte before it is decided: a private key
    /// block ends at its END line or here, a JWT's header and payload must fit.
    static let lookahead = 16 * 1024
    /// The bytes before a position that a decision reads (a keyword before `=`, a word's start).
    static let lookbehind = 16
    /// Longest user name and password of a URL's `user:password@`.
    static let urlPartLimit = 256

    private enum Anchor: UInt8 {
        case none, awsAccessKey, awsSecretKey, authorization, bearer, githubToken, githubPAT, gitlab, slack
        case skKey, rkKey, jwt, privateKey, urlPassword, assignment
    }

    // Written once, then only read.
    nonisolated(unsafe) private static let pairs: UnsafePointer<UInt8> = {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 16)
        table.initialize(repeating: 0, count: 1 << 16)
        func set(_ pair: String, _ anchor: Anchor, ignoringCase: Bool = false) {
            let bytes = Array(pair.utf8)
            let firsts = ignoringCase ? [bytes[0] & ~0x20, bytes[0] | 0x20] : [bytes[0]]
            let seconds = ignoringCase && bytes[1] >= 0x41 ? [bytes[1] & ~0x20, bytes[1] | 0x20] : [bytes[1]]
            for first in firsts {
                for second in seconds { table[Int(first) << 8 | Int(second)] = anchor.rawValue }
            }
        }
        set("AK", .awsAccessKey)
        set("AS", .awsAccessKey)
        set("aw", .awsSecretKey, ignoringCase: true)
        set("au", .authorization, ignoringCase: true)
        set("be", .bearer, ignoringCase: true)
        set("gh", .githubToken)
        set("gi", .githubPAT)
        set("gl", .gitlab)
        set("xo", .slack)
        set("sk", .skKey)
        set("rk", .rkKey)
        set("ey", .jwt)
        set("--", .privateKey)
        set(":/", .urlPassword)
        // `:\/\/`: a JSON writer that escapes slashes.
        set(":\\", .urlPassword)
        for keywordEnd in ["d", "t", "n"] { set(keywordEnd + "=", .assignment, ignoringCase: true) }
        return UnsafePointer(table)
    }()

    /// Finds the secrets that start in `bytes[from..<scanEnd]`, in order and not overlapping,
    /// handing each to `found`. `final`: the text ends with these bytes (else `bytes` must reach
    /// `lookahead` past `scanEnd`). Returns where the next scan starts: `scanEnd`, or the end of a
    /// secret that runs past it.
    func scan(
        _ bytes: UnsafeBufferPointer<UInt8>, from: Int, to scanEnd: Int, final: Bool, found: (SecretMatch) -> Void
    ) -> Int {
        guard let base = bytes.baseAddress, from < scanEnd else { return max(from, scanEnd) }
        let count = bytes.count
        let pairs = Self.pairs
        // A secret is longer than one byte, so the last byte of the text begins none.
        let pairEnd = min(scanEnd, count - 1)
        var index = from
        while index < pairEnd {
            let anchor = pairs[Int(base[index]) &<< 8 | Int(base[index &+ 1])]
            if anchor == 0 {
                index &+= 1
                continue
            }
            let view = View(base: base, count: count, position: index, final: final)
            if let match = view.secret(Anchor(rawValue: anchor) ?? .none) {
                found(match)
                index = max(match.end, index + 1)
            } else {
                index &+= 1
            }
        }
        return max(index, scanEnd)
    }

    /// The whole of `text`: the secrets' ranges, emptied first (the caller reuses the array).
    func findSecrets(in text: UnsafeRawBufferPointer, into matches: inout [SecretMatch]) {
        matches.removeAll(keepingCapacity: true)
        let bytes = text.bindMemory(to: UInt8.self)
        _ = scan(bytes, from: 0, to: bytes.count, final: true) { matches.append($0) }
    }

    /// The bytes around one candidate position: reads past `limit` see 0, so a decision depends
    /// only on `lookahead` bytes whatever the window holds.
    private struct View {
        let base: UnsafePointer<UInt8>
        let count: Int
        let position: Int
        let final: Bool
        let limit: Int

        init(base: UnsafePointer<UInt8>, count: Int, position: Int, final: Bool) {
            self.base = base
            self.count = count
            self.position = position
            self.final = final
            limit = min(count, position + SecretScanner.lookahead)
        }

        @inline(__always) func byte(_ index: Int) -> UInt8 {
            index >= 0 && index < limit ? base[index] : 0
        }

        func has(_ literal: StaticString, at index: Int) -> Bool {
            let length = literal.utf8CodeUnitCount
            guard index >= 0, index + length <= limit else { return false }
            return memcmp(base + index, literal.utf8Start, length) == 0
        }

        func hasIgnoringCase(_ lowercase: StaticString, at index: Int) -> Bool {
            let length = lowercase.utf8CodeUnitCount
            guard index >= 0, index + length <= limit else { return false }
            let pattern = lowercase.utf8Start
            for offset in 0..<length {
                let byte = base[index + offset]
                let folded = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
                if folded != pattern[offset] { return false }
            }
            return true
        }

        /// The end of the run of `kind` bytes from `start`, within the lookahead (a run in the
        /// middle of a shape).
        func run(from start: Int, _ kind: SecretByteClass) -> Int {
            var end = start
            while end < limit, kind.contains(base[end]) { end += 1 }
            return end
        }

        /// A secret whose last run starts at `start` (a token's characters): it runs to its end,
        /// past the lookahead and the window, and needs at least `minimum` bytes.
        func finalRun(
            from start: Int, _ kind: SecretByteClass, minimum: Int, secretStart: Int? = nil, rule: RedactionRule
        ) -> SecretMatch? {
            var end = start
            while end < count, kind.contains(base[end]) { end += 1 }
            guard end - start >= minimum else { return nil }
            let continues = end == count && !final
            return SecretMatch(
                start: secretStart ?? start, end: end, rule: rule, continuation: continues ? kind : nil)
        }

        @inline(__always) func isAlphanumeric(_ byte: UInt8) -> Bool {
            SecretByteClass.alphanumeric.contains(byte)
        }

        /// A secret's prefix must begin a word (`task-…` is no `sk-` key); a JSON escape such as
        /// `\n` before it counts as a separator.
        func startsWord(_ index: Int) -> Bool {
            guard index > 0 else { return true }
            let previous = base[index - 1]
            if !isAlphanumeric(previous) { return true }
            return index >= 2 && base[index - 2] == UInt8(ascii: "\\") && "ntr".utf8.contains(previous)
        }

        /// Past an opening quote, also a JSON-escaped one (`\"`).
        func skipQuote(_ index: Int) -> Int {
            let first = byte(index)
            if first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") { return index + 1 }
            if first == UInt8(ascii: "\\"), byte(index + 1) == UInt8(ascii: "\"") { return index + 2 }
            return index
        }

        func skipSpaces(_ index: Int) -> Int {
            var index = index
            while byte(index) == 0x20 || byte(index) == 0x09 { index += 1 }
            return index
        }

        /// `key`, a closing quote, `=` or `:`, and an opening quote: where the value starts.
        func valueStart(afterKeyAt index: Int) -> Int? {
            var index = skipSpaces(skipQuote(index))
            guard byte(index) == UInt8(ascii: "=") || byte(index) == UInt8(ascii: ":") else { return nil }
            index = skipQuote(skipSpaces(index + 1))
            return index
        }

        func secret(_ anchor: Anchor) -> SecretMatch? {
            let index = position
            switch anchor {
            case .none:
                return nil
            case .awsAccessKey:
                guard has("AKIA", at: index) || has("ASIA", at: index), startsWord(index) else { return nil }
                let end = index + 20
                for offset in index + 4..<end where !SecretByteClass.upperOrDigit.contains(byte(offset)) {
                    return nil
                }
                guard !isAlphanumeric(byte(end)) else { return nil }
                return SecretMatch(start: index, end: end, rule: .awsAccessKey)
            case .awsSecretKey:
                guard hasIgnoringCase("aws_secret_access_key", at: index),
                    let start = valueStart(afterKeyAt: index + 21)
                else { return nil }
                return finalRun(from: start, .awsSecret, minimum: 40, rule: .awsSecretKey)
            case .authorization:
                guard hasIgnoringCase("authorization", at: index), var start = valueStart(afterKeyAt: index + 13)
                else { return nil }
                // The scheme stays, so the record still shows what kind of credential it was.
                for scheme: StaticString in ["bearer ", "basic ", "token ", "digest ", "bot ", "apikey "]
                where hasIgnoringCase(scheme, at: start) {
                    start = skipSpaces(start + scheme.utf8CodeUnitCount)
                    break
                }
                return finalRun(from: start, .token, minimum: 8, rule: .authorization)
            case .bearer:
                guard hasIgnoringCase("bearer ", at: index), startsWord(index) else { return nil }
                return finalRun(from: skipSpaces(index + 7), .token, minimum: 8, rule: .bearerToken)
            case .githubToken:
                guard "pousr".utf8.contains(byte(index + 2)), byte(index + 3) == UInt8(ascii: "_"), startsWord(index)
                else { return nil }
                return finalRun(from: index + 4, .alphanumeric, minimum: 20, secretStart: index, rule: .githubToken)
            case .githubPAT:
                guard has("github_pat_", at: index), startsWord(index) else { return nil }
                return finalRun(from: index + 11, .githubPAT, minimum: 20, secretStart: index, rule: .githubToken)
            case .gitlab:
                guard has("glpat-", at: index), startsWord(index) else { return nil }
                return finalRun(from: index + 6, .key, minimum: 20, secretStart: index, rule: .gitlabToken)
            case .slack:
                guard has("xox", at: index), "abprs".utf8.contains(byte(index + 3)),
                    byte(index + 4) == UInt8(ascii: "-"), startsWord(index)
                else { return nil }
                return finalRun(from: index + 5, .slack, minimum: 10, secretStart: index, rule: .slackToken)
            case .skKey:
                guard startsWord(index) else { return nil }
                if has("sk_live_", at: index) || has("sk_test_", at: index) {
                    return finalRun(from: index + 8, .alphanumeric, minimum: 16, secretStart: index, rule: .stripeKey)
                }
                if has("sk-ant-", at: index) {
                    return finalRun(from: index + 7, .key, minimum: 20, secretStart: index, rule: .anthropicKey)
                }
                guard byte(index + 2) == UInt8(ascii: "-") else { return nil }
                return finalRun(from: index + 3, .key, minimum: 20, secretStart: index, rule: .openAIKey)
            case .rkKey:
                guard has("rk_live_", at: index) || has("rk_test_", at: index), startsWord(index) else { return nil }
                return finalRun(from: index + 8, .alphanumeric, minimum: 16, secretStart: index, rule: .stripeKey)
            case .jwt:
                guard has("eyJ", at: index), startsWord(index) else { return nil }
                let headerEnd = run(from: index + 3, .key)
                guard headerEnd - index >= 10, byte(headerEnd) == UInt8(ascii: "."), has("eyJ", at: headerEnd + 1)
                else { return nil }
                let payloadEnd = run(from: headerEnd + 4, .key)
                guard payloadEnd - headerEnd > 10, byte(payloadEnd) == UInt8(ascii: ".") else { return nil }
                return finalRun(from: payloadEnd + 1, .key, minimum: 16, secretStart: index, rule: .jwt)
            case .privateKey:
                return privateKeyBlock()
            case .urlPassword:
                return urlPassword()
            case .assignment:
                // The position is the keyword's last letter; `=` follows it.
                let equals = index + 1
                guard
                    endsWithIgnoringCase("password", at: equals) || endsWithIgnoringCase("secret", at: equals)
                        || endsWithIgnoringCase("token", at: equals)
                else { return nil }
                let start = skipQuote(equals + 1)
                // A marker an earlier pass wrote is not a secret again.
                guard !has("[REDACTED", at: start) else { return nil }
                return finalRun(from: start, .assigned, minimum: 1, rule: .secretAssignment)
            }
        }

        func endsWithIgnoringCase(_ lowercase: StaticString, at end: Int) -> Bool {
            hasIgnoringCase(lowercase, at: end - lowercase.utf8CodeUnitCount)
        }

        /// `-----BEGIN [RSA |EC |OPENSSH |…]PRIVATE KEY-----` through its END line. Cut off (no END
        /// line within the lookahead, or a quote ends the JSON string holding it first), it is
        /// replaced that far: a partial key is still a secret.
        func privateKeyBlock() -> SecretMatch? {
            let index = position
            guard has("-----BEGIN ", at: index), let header = find("PRIVATE KEY-----", from: index + 11, within: 64)
            else { return nil }
            var scan = header + 16
            while scan < limit {
                let byte = base[scan]
                if byte == UInt8(ascii: "\"") {
                    // A JSON string's end (an escaped quote's backslash stays too).
                    let end = base[scan - 1] == UInt8(ascii: "\\") ? scan - 1 : scan
                    return SecretMatch(start: index, end: end, rule: .privateKey)
                }
                if byte == UInt8(ascii: "-"), has("-----END ", at: scan),
                    let footer = find("PRIVATE KEY-----", from: scan + 9, within: 64)
                {
                    return SecretMatch(start: index, end: footer + 16, rule: .privateKey)
                }
                scan += 1
            }
            // Never end between a backslash and the character it escapes.
            var end = limit
            var backslashes = 0
            while end - backslashes - 1 > index, base[end - backslashes - 1] == UInt8(ascii: "\\") { backslashes += 1 }
            if backslashes % 2 == 1 { end -= 1 }
            return SecretMatch(start: index, end: end, rule: .privateKey)
        }

        func find(_ literal: StaticString, from start: Int, within distance: Int) -> Int? {
            var index = start
            while index < min(limit, start + distance) {
                if has(literal, at: index) { return index }
                index += 1
            }
            return nil
        }

        /// The password of `scheme://user:password@host`; only it is replaced.
        func urlPassword() -> SecretMatch? {
            let index = position
            guard index > 0, isAlphanumeric(base[index - 1]) else { return nil }
            let userStart: Int
            if has("://", at: index) {
                userStart = index + 3
            } else if has(":\\/\\/", at: index) {
                userStart = index + 5
            } else {
                return nil
            }
            func isUserInfo(_ byte: UInt8) -> Bool {
                byte > 0x20 && byte < 0x7F && !"@/\"'<>\\".utf8.contains(byte)
            }
            var userEnd = userStart
            while userEnd < limit, userEnd - userStart <= SecretScanner.urlPartLimit, isUserInfo(base[userEnd]),
                base[userEnd] != UInt8(ascii: ":")
            {
                userEnd += 1
            }
            guard byte(userEnd) == UInt8(ascii: ":") else { return nil }
            let start = userEnd + 1
            var end = start
            while end < limit, end - start <= SecretScanner.urlPartLimit, isUserInfo(base[end]) { end += 1 }
            guard end > start, byte(end) == UInt8(ascii: "@"), isAlphanumeric(byte(end + 1)),
                !has("[REDACTED", at: start)
            else { return nil }
            return SecretMatch(start: start, end: end, rule: .urlPassword)
        }
    }
}

extension SecretMatch {
    init(start: Int, end: Int, rule: RedactionRule) {
        self.init(start: start, end: end, rule: rule, continuation: nil)
    }
}
