import Foundation
import Testing

@testable import LogArchive

/// The one redactor: every rule on a secret of its shape and on a near miss, secrets split across
/// writes and across the buffer's end at every offset, counts, and JSON lines kept valid.
@Suite struct RedactorTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let rule: RedactionRule
        let input: String
        let expected: String
        var testDescription: String { "\(rule.name): \(input.prefix(40))" }
    }

    static let jwt =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
        + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
    static let pem = """
        -----BEGIN RSA PRIVATE KEY-----
        MIIEpAIBAAKCAQEA1c7+9z5Pad7OejecsQ0bu3aumYu8BWKAbUpGQzdYGAgKw8GN
        yJfRGzWFbDq1/Dp2dTT6bQ==
        -----END RSA PRIVATE KEY-----
        """
    static let secretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    static let token36 = "abcdefghijklmnopqrstuvwxyzABCDEF0123"

    static func marker(_ rule: RedactionRule) -> String { "[REDACTED:\(rule.name)]" }

    /// One secret of each shape (several for the rules with several prefixes) in the text around it.
    static let positives: [Case] = [
        Case(
            rule: .awsAccessKey, input: "key AKIAIOSFODNN7EXAMPLE here", expected: "key \(marker(.awsAccessKey)) here"),
        Case(rule: .awsAccessKey, input: "\"ASIAY34FZKBOKMUTVV7A\"", expected: "\"\(marker(.awsAccessKey))\""),
        Case(
            rule: .awsSecretKey, input: "aws_secret_access_key = \(secretKey)\n",
            expected: "aws_secret_access_key = \(marker(.awsSecretKey))\n"),
        Case(
            rule: .awsSecretKey, input: "export AWS_SECRET_ACCESS_KEY=\(secretKey)",
            expected: "export AWS_SECRET_ACCESS_KEY=\(marker(.awsSecretKey))"),
        Case(
            rule: .awsSecretKey, input: "{\"AWS_SECRET_ACCESS_KEY\": \"\(secretKey)\"}",
            expected: "{\"AWS_SECRET_ACCESS_KEY\": \"\(marker(.awsSecretKey))\"}"),
        Case(rule: .githubToken, input: "ghp_\(token36)", expected: marker(.githubToken)),
        Case(rule: .githubToken, input: "t=gho_\(token36);", expected: "t=\(marker(.githubToken));"),
        Case(rule: .githubToken, input: "(ghu_\(token36))", expected: "(\(marker(.githubToken)))"),
        Case(rule: .githubToken, input: "ghs_\(token36) x", expected: "\(marker(.githubToken)) x"),
        Case(rule: .githubToken, input: "ghr_\(token36)", expected: marker(.githubToken)),
        Case(
            rule: .githubToken, input: "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
            expected: marker(.githubToken)),
        Case(rule: .gitlabToken, input: "glpat-xxxxXXXX1234yyyy5678 ", expected: "\(marker(.gitlabToken)) "),
        Case(rule: .slackToken, input: "xoxb-1234567890-abcdefghij", expected: marker(.slackToken)),
        Case(rule: .stripeKey, input: "sk_live_4eC39HqLyjWDarjtT1zdp7dc", expected: marker(.stripeKey)),
        Case(rule: .stripeKey, input: "rk_test_4eC39HqLyjWDarjtT1zdp7dc!", expected: "\(marker(.stripeKey))!"),
        Case(
            rule: .anthropicKey, input: "ANTHROPIC_API_KEY: sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789-AA",
            expected: "ANTHROPIC_API_KEY: \(marker(.anthropicKey))"),
        Case(
            rule: .openAIKey, input: "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789_ABCD",
            expected: marker(.openAIKey)),
        Case(rule: .openAIKey, input: "key=\"sk-abcdefghijklmnopqrstuvwx\"", expected: "key=\"\(marker(.openAIKey))\""),
        Case(rule: .jwt, input: "cookie: \(jwt);", expected: "cookie: \(marker(.jwt));"),
        Case(rule: .privateKey, input: "a\n\(pem)\nb", expected: "a\n\(marker(.privateKey))\nb"),
        Case(
            rule: .privateKey,
            input:
                #"{"content":"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"}"#,
            expected: #"{"content":"\#(marker(.privateKey))\n"}"#),
        Case(
            rule: .privateKey, input: #"{"content":"-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBYr (cut"}"#,
            expected: #"{"content":"\#(marker(.privateKey))"}"#),
        Case(
            rule: .urlPassword, input: "postgres://admin:hunter2secret@db.example.com:5432/app",
            expected: "postgres://admin:\(marker(.urlPassword))@db.example.com:5432/app"),
        Case(
            rule: .urlPassword, input: #"{"u":"https:\/\/bob:s3cret@host\/x"}"#,
            expected: #"{"u":"https:\/\/bob:\#(marker(.urlPassword))@host\/x"}"#),
        Case(
            rule: .urlPassword, input: "redis://:p%40ss@cache:6379",
            expected: "redis://:\(marker(.urlPassword))@cache:6379"),
        Case(
            rule: .authorization, input: "Authorization: Bearer abcdef123456789.xyz",
            expected: "Authorization: Bearer \(marker(.authorization))"),
        Case(
            rule: .authorization, input: "-H 'authorization: Basic dXNlcjpwYXNzd29yZA=='",
            expected: "-H 'authorization: Basic \(marker(.authorization))'"),
        Case(
            rule: .authorization, input: #"{"Authorization": "token 0123456789abcdef"}"#,
            expected: #"{"Authorization": "token \#(marker(.authorization))"}"#),
        Case(
            rule: .bearerToken, input: "headers: Bearer abcdefgh12345678",
            expected: "headers: Bearer \(marker(.bearerToken))"),
        Case(
            rule: .secretAssignment, input: "https://x.test/login?user=a&password=hunter2&next=1",
            expected: "https://x.test/login?user=a&password=\(marker(.secretAssignment))&next=1"),
        Case(
            rule: .secretAssignment, input: #"{"cmd":"run --client_secret=\"abc123\" now"}"#,
            expected: #"{"cmd":"run --client_secret=\"\#(marker(.secretAssignment))\" now"}"#),
    ]

    /// Text close to each shape that is not a secret: unchanged.
    static let nearMisses: [(RedactionRule, String)] = [
        (.awsAccessKey, "AKIAIOSFODNN7EXAMPL is 19, AKIAIOSFODNN7EXAMPLEX is 21, XAKIAIOSFODNN7EXAMPLE starts a word"),
        (.awsSecretKey, "aws_secret_access_key = <your secret access key here>"),
        (.githubToken, "ghp_short ghx_abcdefghijklmnopqrstuvwxyz0123456789 github_pat_tooshort"),
        (.gitlabToken, "glpat-short and xglpat-xxxxXXXX1234yyyy5678"),
        (.slackToken, "xoxz-1234567890-abcdefghij and xoxb-short"),
        (.stripeKey, "sk_live_short pk_live_4eC39HqLyjWDarjtT1zdp7dc"),
        (.anthropicKey, "sk-ant-short"),
        (.openAIKey, "task-abcdefghijklmnopqrstuvwxyz0123 and sk-learn"),
        (.jwt, "eyJhbGciOiJIUzI1NiJ9 alone, eyJhbGciOiJIUzI1NiJ9.notjson.sig"),
        (.privateKey, "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----"),
        (.urlPassword, "https://example.com:8443/path and git@github.com:org/repo.git and https://user@host"),
        (.authorization, #"-H "Authorization: Bearer $TOKEN" and authorization header missing"#),
        (.bearerToken, "the bearer of bad news"),
        (.secretAssignment, "the password is long; password: none; passwords=[REDACTED]"),
    ]

    @Test(arguments: positives) func eachRuleReplacesItsShapeWithItsMarker(_ sample: Case) {
        let (output, counts) = Redactor.redact(sample.input)
        #expect(output == sample.expected)
        #expect(counts[sample.rule] == 1 && counts.total == 1, "\(counts.nonZero)")
    }

    @Test(arguments: nearMisses.map { "\($0.0.name)|\($0.1)" }) func nearMissesAreKept(_ sample: String) {
        let text = String(sample.split(separator: "|", maxSplits: 1)[1])
        let (output, counts) = Redactor.redact(text)
        #expect(output == text)
        #expect(counts.total == 0, "\(counts.nonZero)")
    }

    @Test func everyRuleHasAPositiveAndANearMiss() {
        #expect(Set(Self.positives.map(\.rule)) == Set(RedactionRule.allCases))
        #expect(Set(Self.nearMisses.map(\.0)) == Set(RedactionRule.allCases))
    }

    @Test func plainMarkerIsDBArchivesBracketedWord() {
        let (output, counts) = Redactor.redact("id AKIAIOSFODNN7EXAMPLE and ghp_\(Self.token36)", marker: .plain)
        #expect(output == "id [REDACTED] and [REDACTED]")
        #expect(counts[.awsAccessKey] == 1 && counts[.githubToken] == 1)
    }

    @Test func countsEachRuleAndNeverTheValues() {
        let text = "a ghp_\(Self.token36) b gho_\(Self.token36) c AKIAIOSFODNN7EXAMPLE d password=x e"
        let (output, counts) = Redactor.redact(text)
        #expect(counts[.githubToken] == 2 && counts[.awsAccessKey] == 1 && counts[.secretAssignment] == 1)
        #expect(counts.total == 4)
        #expect(JSONWriter.compact(counts.json) == #"{"aws-access-key":1,"github-token":2,"secret-assignment":1}"#)
        #expect(!output.contains(Self.token36) && !output.contains("AKIA"))
    }

    @Test func redactingTwiceChangesNothingMore() {
        let text = Self.positives.map(\.input).joined(separator: "\n")
        let once = Redactor.redact(text)
        let twice = Redactor.redact(once.text)
        #expect(twice.text == once.text)
        #expect(twice.counts.total == 0, "\(twice.counts.nonZero)")
    }

    /// Transcript lines stay JSON: no marker swallows a quote or half an escape.
    @Test func jsonLinesStayValid() throws {
        for sample in Self.positives where !sample.input.contains("\\") {
            let line = try JSONSerialization.data(
                withJSONObject: ["type": "user", "content": sample.input], options: .withoutEscapingSlashes)
            let (output, counts) = Redactor.redact([UInt8](line))
            #expect(counts.total >= 1, "\(sample.testDescription)")
            let parsed = try JSONSerialization.jsonObject(with: Data(output)) as? [String: String]
            #expect(parsed?["type"] == "user", "\(sample.testDescription): \(String(decoding: output, as: UTF8.self))")
        }
    }

    /// Writes `text` to a stream of the smallest buffer in the given pieces.
    static func streamed(_ text: [UInt8], splits: [Int], bufferSize: Int = RedactingStream.minimumBufferSize) throws
        -> ([UInt8], RedactionCounts)
    {
        var output: [UInt8] = []
        let stream = RedactingStream(bufferSize: bufferSize) { output.append(contentsOf: $0) }
        var start = 0
        for split in splits + [text.count] {
            try text[start..<split].withUnsafeBytes { try stream.write($0) }
            start = split
        }
        try stream.finish()
        return (output, stream.counts)
    }

    /// Each secret across two writes at every offset, and across the buffer's end and the scan's
    /// limit at every offset: the bytes and counts of the whole text.
    @Test(arguments: positives) func secretSplitAtEveryOffsetIsFound(_ sample: Case) throws {
        let size = RedactingStream.minimumBufferSize
        let secret = Array(sample.input.utf8)
        let edges = [size, size - SecretScanner.lookahead]
        var positions = Array(0..<40)
        for edge in edges { positions += (edge - secret.count - 2)...(edge + 2) }
        for padding in positions {
            let text = Array(repeating: UInt8(ascii: "."), count: padding) + secret + Array(" tail".utf8)
            let whole = Redactor.redact(text)
            #expect(
                whole.bytes == Array(repeating: UInt8(ascii: "."), count: padding)
                    + Array((sample.expected + " tail").utf8))
            for split in [padding, padding + secret.count / 2, padding + secret.count - 1] {
                let (output, counts) = try Self.streamed(text, splits: [split])
                #expect(output == whole.bytes, "padding \(padding), split \(split)")
                #expect(counts == whole.counts)
            }
        }
        // Every offset inside the secret, as two writes.
        let text = Array("x ".utf8) + secret + Array(" y".utf8)
        let whole = Redactor.redact(text)
        for split in 0...text.count {
            let (output, counts) = try Self.streamed(text, splits: [split])
            #expect(output == whole.bytes && counts == whole.counts, "split \(split)")
        }
    }

    @Test func byteAtATimeMatchesTheWholeText() throws {
        let text = Array(Self.positives.map(\.input).joined(separator: " | ").utf8)
        let whole = Redactor.redact(text)
        let (output, counts) = try Self.streamed(text, splits: Array(1..<text.count))
        #expect(output == whole.bytes)
        #expect(counts == whole.counts && counts.total == Self.positives.count)
    }

    /// A token longer than the buffer is dropped to its end; memory stays the buffer's.
    @Test func tokenLongerThanTheBufferIsRemovedWhole() throws {
        let size = RedactingStream.minimumBufferSize
        let token = "ghp_" + String(repeating: "a", count: 3 * size)
        let text = Array(("before " + token + " after").utf8)
        let (output, counts) = try Self.streamed(text, splits: [100, size + 7])
        #expect(String(decoding: output, as: UTF8.self) == "before \(Self.marker(.githubToken)) after")
        #expect(counts[.githubToken] == 1)
    }

    /// A BEGIN line with no END: redacted to the lookahead, never to the end of the log.
    @Test func privateKeyWithoutEndIsBounded() throws {
        let body = String(repeating: "QUJD\n", count: SecretScanner.lookahead / 2)
        let text = "-----BEGIN PRIVATE KEY-----\n" + body + "end"
        let (output, counts) = Redactor.redact(text)
        #expect(counts[.privateKey] == 1)
        #expect(output.hasPrefix(Self.marker(.privateKey)))
        #expect(output.hasSuffix("QUJD\nend"))
        #expect(output.utf8.count == text.utf8.count - SecretScanner.lookahead + Self.marker(.privateKey).utf8.count)
    }
}
