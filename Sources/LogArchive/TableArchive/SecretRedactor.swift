/// Finds values that look like secrets in UTF-8 text, so an archive never carries them.
///
/// Recognised: AWS access key ids (`AKIA` and 16 of `[0-9A-Z]`), GitHub tokens (`ghp_`, `gho_`,
/// `github_pat_`), `sk-` API keys, Slack tokens (`xoxa-`, `xoxb-`, `xoxp-`, `xoxr-`, `xoxs-`), the
/// token after `Bearer `, `-----BEGIN … PRIVATE KEY-----` blocks (to their END line, or to the end of
/// the text), and the value of `password=`, `secret=` and `token=` assignments (any case; also
/// `api_token=`, `client_secret=`). For a bearer token and an assignment only the value is
/// replaced, so the archive still shows what kind of secret was there.
///
/// A hand-written scanner rather than regular expressions: one pass over the bytes with a table
/// lookup each; only the few bytes that can anchor a secret (`A`, `B`, `b`, `_`, `-`, `=`) look
/// further. Text with none of them costs the lookup and nothing else.
struct SecretRedactor: Sendable {
    static let replacement: [UInt8] = Array("[REDACTED]".utf8)

    private static let assignmentKeywords: [[UInt8]] = ["password", "secret", "token"].map { Array($0.utf8) }

    private static let anchors: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for byte in "ABb_-=".utf8 { table[Int(byte)] = true }
        return table
    }()

    /// Appends to `ranges` (emptied first) the byte ranges of `text` to replace, in order and not
    /// overlapping. The caller reuses `ranges` from value to value, so scanning allocates nothing.
    func findSecrets(in text: UnsafeRawBufferPointer, into ranges: inout [Range<Int>]) {
        ranges.removeAll(keepingCapacity: true)
        let bytes = text.bindMemory(to: UInt8.self)
        let count = bytes.count
        guard count >= 8 else { return }
        Self.anchors.withUnsafeBufferPointer { anchors in
            var index = 0
            while index < count {
                let byte = bytes[index]
                guard anchors[Int(byte)], let found = secret(at: index, anchor: byte, in: bytes) else {
                    index += 1
                    continue
                }
                ranges.append(found)
                index = max(found.upperBound, index + 1)
            }
        }
    }

    private func secret(at index: Int, anchor: UInt8, in bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        switch anchor {
        case UInt8(ascii: "A"):
            // AKIA + 16 upper-case letters or digits, not inside a longer word.
            guard startsWord(at: index, in: bytes), matches("AKIA", at: index, in: bytes) else { return nil }
            let end = index + 20
            guard end <= bytes.count, (index + 4..<end).allSatisfy({ isUpperOrDigit(bytes[$0]) }) else { return nil }
            return index..<end
        case UInt8(ascii: "B"), UInt8(ascii: "b"):
            guard matchesIgnoringCase("bearer ", at: index, in: bytes) else { return nil }
            var start = index + 7
            while start < bytes.count, bytes[start] == UInt8(ascii: " ") { start += 1 }
            return run(from: start, minimum: 8, in: bytes, while: isBearerTokenByte)
        case UInt8(ascii: "_"):
            if index >= 3, startsWord(at: index - 3, in: bytes),
                matches("ghp_", at: index - 3, in: bytes) || matches("gho_", at: index - 3, in: bytes),
                let token = run(from: index + 1, minimum: 20, in: bytes, while: isAlphanumeric)
            {
                return index - 3..<token.upperBound
            }
            if index >= 6, startsWord(at: index - 6, in: bytes), matches("github_pat_", at: index - 6, in: bytes),
                let token = run(
                    from: index + 5, minimum: 20, in: bytes, while: { isAlphanumeric($0) || $0 == UInt8(ascii: "_") })
            {
                return index - 6..<token.upperBound
            }
            return nil
        case UInt8(ascii: "-"):
            if index >= 2, startsWord(at: index - 2, in: bytes), matches("sk-", at: index - 2, in: bytes),
                let key = run(from: index + 1, minimum: 20, in: bytes, while: isKeyByte)
            {
                return index - 2..<key.upperBound
            }
            if index >= 4, startsWord(at: index - 4, in: bytes), matches("xox", at: index - 4, in: bytes),
                "abprs".utf8.contains(bytes[index - 1]),
                let token = run(from: index + 1, minimum: 10, in: bytes, while: isKeyByte)
            {
                return index - 4..<token.upperBound
            }
            return privateKeyBlock(at: index, in: bytes)
        case UInt8(ascii: "="):
            for keyword in Self.assignmentKeywords where endsWithIgnoringCase(keyword, before: index, in: bytes) {
                var start = index + 1
                if start < bytes.count, bytes[start] == UInt8(ascii: "\"") || bytes[start] == UInt8(ascii: "'") {
                    start += 1
                }
                return run(from: start, minimum: 1, in: bytes, while: isAssignedValueByte)
            }
            return nil
        default:
            return nil
        }
    }

    /// `-----BEGIN [RSA |EC |OPENSSH ]PRIVATE KEY-----` through its END line, or to the end of the
    /// text when it was cut off: a partial key is still a secret.
    private func privateKeyBlock(at index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        guard matches("-----BEGIN ", at: index, in: bytes),
            let header = find("PRIVATE KEY-----", from: index + 11, limit: index + 64, in: bytes)
        else { return nil }
        guard let end = find("-----END ", from: header, limit: bytes.count, in: bytes),
            let footer = find("PRIVATE KEY-----", from: end + 9, limit: end + 64, in: bytes)
        else { return index..<bytes.count }
        return index..<footer + 16
    }

    // MARK: - Byte helpers

    private func matches(_ literal: StaticString, at index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let length = literal.utf8CodeUnitCount
        guard index >= 0, index + length <= bytes.count else { return false }
        let pattern = literal.utf8Start
        for offset in 0..<length where bytes[index + offset] != pattern[offset] { return false }
        return true
    }

    private func matchesIgnoringCase(_ lowercase: StaticString, at index: Int, in bytes: UnsafeBufferPointer<UInt8>)
        -> Bool
    {
        let length = lowercase.utf8CodeUnitCount
        guard index >= 0, index + length <= bytes.count else { return false }
        let pattern = lowercase.utf8Start
        for offset in 0..<length where lowercased(bytes[index + offset]) != pattern[offset] { return false }
        return true
    }

    private func endsWithIgnoringCase(_ pattern: [UInt8], before index: Int, in bytes: UnsafeBufferPointer<UInt8>)
        -> Bool
    {
        var position = index - pattern.count
        guard position >= 0 else { return false }
        for byte in pattern {
            if lowercased(bytes[position]) != byte { return false }
            position += 1
        }
        return true
    }

    /// The position of `literal` in `bytes[from..<limit]` (the match itself may end past `limit`).
    private func find(_ literal: StaticString, from start: Int, limit: Int, in bytes: UnsafeBufferPointer<UInt8>)
        -> Int?
    {
        var index = start
        while index < min(limit, bytes.count) {
            if matches(literal, at: index, in: bytes) { return index }
            index += 1
        }
        return nil
    }

    /// The longest run of bytes from `start` that pass `accepts`, if it has at least `minimum`.
    private func run(
        from start: Int, minimum: Int, in bytes: UnsafeBufferPointer<UInt8>, while accepts: (UInt8) -> Bool
    ) -> Range<Int>? {
        var end = start
        while end < bytes.count, accepts(bytes[end]) { end += 1 }
        return end - start >= minimum ? start..<end : nil
    }

    /// A secret's prefix must begin a word: `task-…` is not an `sk-` key.
    private func startsWord(at index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        index == 0 || !isAlphanumeric(bytes[index - 1])
    }

    private func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    private func isUpperOrDigit(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    private func isAlphanumeric(_ byte: UInt8) -> Bool {
        isUpperOrDigit(byte) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
    }

    private func isKeyByte(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }

    private func isBearerTokenByte(_ byte: UInt8) -> Bool {
        isKeyByte(byte) || "._~+/=".utf8.contains(byte)
    }

    /// An assigned value ends at white space, a quote or a separator of query strings and lists.
    private func isAssignedValueByte(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte != 0x7F && !"\"'&,;".utf8.contains(byte)
    }
}
