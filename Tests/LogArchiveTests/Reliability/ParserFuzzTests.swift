import Foundation
@testable import LogArchive
import Testing

/// A small xorshift64* generator: the same seed gives the same inputs on every machine, so a
/// failure names the seed and iteration that reproduce it.
struct XorShift: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
}

/// Every parser of untrusted input: the index, the config file, S3's XML, GitHub's JSON and a
/// session's front matter. The property: for any bytes each returns a value or throws; never
/// crashes, never hangs.
enum UntrustedParsers {
    static func feed(_ bytes: [UInt8]) {
        _ = try? JSONParser.parse(bytes)
        _ = try? JSONParser.parse(bytes, allowsComments: true)
        _ = try? ArchiveIndex(fileBytes: bytes)
        _ = try? ConfigFile.parse(bytes, path: "fuzz.json")
        let response = HTTPResponse(status: 401, headers: [("retry-after", "1"), ("link", String(decoding: bytes.prefix(64), as: UTF8.self))], body: bytes)
        _ = S3Error(response: response, operation: "fuzz").description
        let xml = Substring(String(decoding: bytes, as: UTF8.self))
        _ = S3XML.values("Key", in: xml)
        _ = S3XML.elements("Contents", in: xml).map { S3XML.value("ETag", in: $0) }
        _ = GitHubError(response).description
        _ = try? GitHubClient.issue(IssueNumber(exactly: 1)!, from: response)
        _ = try? GitHubClient.comments(from: response)
        _ = GitHubClient.nextLink(response.header("link"))
        _ = IssueComment.sessionDuration(frontMatter: bytes)
        _ = UTCTimestamp(iso8601: String(decoding: bytes.prefix(40), as: UTF8.self))
    }

    /// Feeds one input and fails the test if it took longer than `limit` seconds: a parser that
    /// is quadratic or loops shows up here rather than as a stuck run.
    static func feedTimed(_ bytes: [UInt8], limit: Double, _ label: @autoclosure () -> String) {
        let start = DispatchTime.now().uptimeNanoseconds
        feed(bytes)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        #expect(seconds < limit, "\(label()) took \(seconds) s for \(bytes.count) bytes")
    }
}

/// Valid documents that mutations start from, one per parser.
enum FuzzSeeds {
    static let documents: [String] = [
        """
        {"schema_version": "1.0", "last_updated": "2025-01-15T14:00:00Z", "archives": [{"issue_number": "123",
          "issue_url": "https://github.com/org/repo/issues/123", "archived_at": "2025-01-15T14:00:00Z",
          "archive_reason": "issue_closed", "logs": [{"type": "build", "filename": "123-build.log",
          "local_path": "logs/builds/123-build.log", "remote_path": "archive/logs/2025/01/123/123-build.log.gz",
          "size_bytes": 46080, "original_size_bytes": 131072, "compressed": true, "checksum": "sha256:ab",
          "upload_status": "uploaded", "upload_attempt": 1, "last_error": null, "x": [1.5e3, -0, "\\u00e9\\ud83d\\ude00"]}],
          "retry_count": 0}]}
        """,
        """
        // logarchive settings
        {"logs_dir": "logs", "store": "s3://bucket/prefix", "compression_threshold": "1MiB",
         "compression_level": 6, "http_timeout": "30s", "comment": true}
        """,
        """
        <?xml version="1.0"?><ListBucketResult><Contents><Key>a&amp;b&#x41;&#66;</Key><ETag>&quot;e&quot;</ETag>
        </Contents><Error><Code>SlowDown</Code><Message>Reduce &lt;rate&gt;</Message></Error></ListBucketResult>
        """,
        """
        [{"id": 1, "body": "<!-- logarchive:issue-1 -->"}, {"id": 2}, {"message": "Bad credentials", "title": "t",
          "state": "closed", "pull_request": {"merged": true}}]
        """,
        "---\nstarted: 2025-01-15T09:00:00Z\nended: 2025-01-15T10:30:00.250+01:00\n---\n# Session\n",
    ]

    static let seeds: [UInt64] = [1, 42, 0xDEAD_BEEF, 20_250_115, 7_777_777]

    /// `LOGARCHIVE_FUZZ_ITERATIONS` runs longer; the default keeps the file to a few seconds.
    static let iterations = ProcessInfo.processInfo.environment["LOGARCHIVE_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 300
}

@Suite struct ParserFuzzTests {
    @Test(arguments: FuzzSeeds.seeds)
    func randomBytesNeverCrash(_ seed: UInt64) {
        var random = XorShift(seed: seed)
        for iteration in 0..<FuzzSeeds.iterations {
            let length = Int.random(in: 0...512, using: &random)
            // Bytes biased towards JSON and XML punctuation, so inputs get past the first character.
            let alphabet = Array("{}[]\":,\\/<>&;#x0123456789-.eE+ tfnul\n".utf8)
            let bytes = (0..<length).map { _ in
                Bool.random(using: &random) ? alphabet.randomElement(using: &random)! : UInt8.random(in: 0...255, using: &random)
            }
            UntrustedParsers.feedTimed(bytes, limit: 1, "seed \(seed) iteration \(iteration)")
        }
    }

    @Test(arguments: FuzzSeeds.seeds)
    func mutatedDocumentsNeverCrash(_ seed: UInt64) {
        var random = XorShift(seed: seed)
        for iteration in 0..<FuzzSeeds.iterations {
            var bytes = Array(FuzzSeeds.documents.randomElement(using: &random)!.utf8)
            for _ in 0...Int.random(in: 0..<4, using: &random) {
                Self.mutate(&bytes, using: &random)
            }
            UntrustedParsers.feedTimed(bytes, limit: 1, "seed \(seed) iteration \(iteration)")
        }
    }

    /// Every prefix of every seed document: each truncation point is a distinct way to end early.
    @Test func everyTruncationOfTheSeedDocuments() {
        for document in FuzzSeeds.documents {
            let bytes = Array(document.utf8)
            for length in 0...bytes.count {
                UntrustedParsers.feed(Array(bytes[0..<length]))
            }
        }
    }

    @Test(arguments: FuzzSeeds.seeds)
    func structurallyValidJSONWithRandomTypesNeverCrashes(_ seed: UInt64) throws {
        var random = XorShift(seed: seed)
        for iteration in 0..<FuzzSeeds.iterations {
            let value = Self.randomIndexLike(using: &random)
            let text = JSONWriter.pretty(value)
            // What the writer writes, the parser reads back, and it writes the same text again.
            #expect(JSONWriter.pretty(try JSONParser.parse(text)) == text, "seed \(seed) iteration \(iteration)")
            UntrustedParsers.feedTimed(Array(text.utf8), limit: 1, "seed \(seed) iteration \(iteration)")
            // An index that parses is written back and parses to the same index.
            if let index = try? ArchiveIndex(fileBytes: Array(text.utf8)) {
                #expect(try ArchiveIndex(fileBytes: index.fileBytes).json == index.json)
            }
        }
    }

    /// 100,000 levels of nesting are refused at the depth limit, with a message, on every parser.
    @Test(arguments: ["[", "{\"a\":", "[{\"archives\":"])
    func deepNestingIsRefusedNotAStackOverflow(_ opener: String) {
        let bytes = Array(String(repeating: opener, count: 100_000).utf8)
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(bytes) }
        do {
            _ = try JSONParser.parse(bytes)
        } catch {
            #expect(error.reason.contains("nesting deeper than"))
        }
        UntrustedParsers.feedTimed(bytes, limit: 5, "nesting \(opener)")
    }

    /// Regression: keys were found by a linear search, so one object with many keys took quadratic
    /// time to parse and again to rewrite (an index with 200,000 unknown fields ran for minutes).
    @Test func anObjectWithManyKeysParsesAndRewritesInLinearTime() throws {
        // Four times the keys must cost about four times as long, not sixteen: a ratio within one
        // run holds on a loaded machine, where a wall-clock limit does not.
        func seconds(keys count: Int) throws -> Double {
            var text = "{\"archives\": []"
            for key in 0..<count { text += ",\"k\(key)\":\(key)" }
            text += "}"
            let start = Date()
            let index = try ArchiveIndex(fileBytes: Array(text.utf8))
            #expect(index.unknownFields.members.count == count)
            _ = index.fileBytes
            return Date().timeIntervalSince(start)
        }
        let small = try seconds(keys: 50_000)
        let large = try seconds(keys: 200_000)
        #expect(large / small < 10, "50,000 keys: \(small) s, 200,000 keys: \(large) s")
    }

    /// Regression, found by libFuzzer (scripts/fuzz.sh, fuzz-github): a `Link` part with its `>`
    /// before its `<` made an inverted range, a crash on a header GitHub (or anything between) sends.
    @Test func aLinkHeaderWithItsBracketsInvertedIsSkipped() {
        // The minimized input: `>rel="next"<` and a newline.
        let crash: [UInt8] = [0x3E, 0x72, 0x65, 0x6C, 0x3D, 0x22, 0x6E, 0x65, 0x78, 0x74, 0x22, 0x3C, 0x0A]
        UntrustedParsers.feedTimed(crash, limit: 1, "inverted Link brackets")
        #expect(GitHubClient.nextLink(String(decoding: crash, as: UTF8.self)) == nil)
        #expect(GitHubClient.nextLink("<https://a/x?page=9>; rel=\"last\", x>y<https://a/x?page=2>; rel=\"next\"") == "https://a/x?page=2")
    }

    /// Regression: front matter was only read from session logs under 1 MiB.
    @Test func aLargeSessionLogStillHasItsDuration() throws {
        let sandbox = try Sandbox()
        let head = "---\nstarted: 2025-01-15T09:00:00Z\nended: 2025-01-15T10:00:00Z\n---\n"
        let path = try sandbox.write("logs/sessions/session-1-big.md", head + String(repeating: "x", count: 2 << 20))
        #expect(IssueComment.sessionDuration(ofFileAt: path) == 3600)
    }

    // MARK: Generators

    static func mutate(_ bytes: inout [UInt8], using random: inout XorShift) {
        guard !bytes.isEmpty else {
            bytes.append(UInt8.random(in: 0...255, using: &random))
            return
        }
        let position = Int.random(in: 0..<bytes.count, using: &random)
        switch Int.random(in: 0..<6, using: &random) {
        case 0: bytes[position] ^= 1 << UInt8.random(in: 0..<8, using: &random)
        case 1: bytes.removeSubrange(position...)
        case 2: bytes.insert(UInt8.random(in: 0...255, using: &random), at: position)
        case 3: bytes.remove(at: position)
        case 4:
            // Repeats a slice: duplicate keys, entries and long runs.
            let end = min(bytes.count, position + Int.random(in: 1...64, using: &random))
            bytes.insert(contentsOf: bytes[position..<end], at: position)
        default:
            let tokens = ["\"", "\\u", "\\ud800", "[", "{", "}", "]", ",", ":", "null", "1e999", "-", "&#x110000;", "&", "<Key>", "</Key>", "---\n", "\u{FEFF}"]
            bytes.insert(contentsOf: Array(tokens.randomElement(using: &random)!.utf8), at: position)
        }
    }

    /// JSON of the index's general shape with random types in random places, so the shape
    /// checks (not only the syntax checks) are exercised.
    static func randomIndexLike(using random: inout XorShift) -> JSONValue {
        func scalar() -> JSONValue {
            switch Int.random(in: 0..<8, using: &random) {
            case 0: return .null
            case 1: return .bool(Bool.random(using: &random))
            case 2: return .integer(Int64.random(in: Int64.min...Int64.max, using: &random))
            case 3: return .double(Double.random(in: -1e300...1e300, using: &random))
            case 4: return .string(String(Int.random(in: 1...999, using: &random)))
            case 5: return .string(["build", "session", "uploaded", "failed", "manual", "1.0", "../x", ""].randomElement(using: &random)!)
            case 6: return .string(String((0..<Int.random(in: 0...12, using: &random)).map { _ in
                Character(Unicode.Scalar(UInt32.random(in: 0x20...0x2FFF, using: &random)) ?? "?") }))
            default: return .array([])
            }
        }
        func maybe(_ value: @autoclosure () -> JSONValue) -> JSONValue {
            Int.random(in: 0..<5, using: &random) == 0 ? scalar() : value()
        }
        let logKeys = ["type", "filename", "remote_path", "size_bytes", "compressed", "upload_status", "upload_attempt", "extra"]
        let entryKeys = ["issue_number", "logs", "archive_reason", "retry_count", "archived_at", "extra"]
        var archives: [JSONValue] = []
        for _ in 0..<Int.random(in: 0...3, using: &random) {
            var logs: [JSONValue] = []
            for _ in 0..<Int.random(in: 0...3, using: &random) {
                logs.append(maybe(.object(JSONObject(logKeys.filter { _ in Bool.random(using: &random) }.map { ($0, scalar()) }))))
            }
            var entry = JSONObject(entryKeys.filter { _ in Int.random(in: 0..<4, using: &random) != 0 }.map { ($0, scalar()) })
            if entry["logs"] != nil { entry["logs"] = maybe(.array(logs)) }
            if entry["issue_number"] != nil, Bool.random(using: &random) {
                entry["issue_number"] = .string(String(Int.random(in: 1...50, using: &random)))
            }
            archives.append(maybe(.object(entry)))
        }
        var top = JSONObject([("archives", maybe(.array(archives)))])
        if Bool.random(using: &random) { top["schema_version"] = maybe(.string("1.0")) }
        return maybe(.object(top))
    }
}

/// The index entry reader and the manifest reader (one decoder) fed keys built from the pieces a
/// hostile key is made of: whatever they are, the reader returns or throws, and every key of an
/// entry it accepts lies in the entry's issue's folder under the log's own name (checked here by
/// `StoreCatalog.place` and `StoreLayout.numbered`, not by the rule under test).
@Suite struct HostileKeyFuzzTests {
    static let pieces = [
        "archive", "logs", "2025", "01", "12", "13", "00", "0123", "123", "124", "..", ".", "", "%2e%2e", "%2F", "\\",
        "\u{0}", "\n", "\u{1b}[2J", "manifest.json", "trace-run-1-2.json", "123-build.log", "123-build.log.gz",
        "123-build-2.log.gz", "123-build-02.log", "123-build-1.log", "builds", "sessions", "２０２５", "123-build.log ",
    ]
    static let filenames = ["123-build.log", "123-build.log.gz", "123-build", ".123", "123-a.b.c", "manifest.json"]

    static func hostileKey(using random: inout XorShift) -> String {
        if Bool.random(using: &random) {
            // Mostly well-formed, with one piece swapped: the near misses a loose check lets through.
            var parts = ["archive", "logs", "2025", "01", "123", filenames.randomElement(using: &random)!]
            if Bool.random(using: &random) { parts.insert("builds", at: 5) }
            parts[Int.random(in: 0..<parts.count, using: &random)] = pieces.randomElement(using: &random)!
            return parts.joined(separator: "/")
        }
        return (0..<Int.random(in: 0...8, using: &random)).map { _ in pieces.randomElement(using: &random)! }
            .joined(separator: Bool.random(using: &random) ? "/" : "//")
    }

    /// The oracle: an empty key, or `archive/logs/yyyy/mm/{issue}/[builds/]name` with name the
    /// file's name, with `.gz`, or numbered.
    static func isOwnKey(_ key: String, issue: IssueNumber, filename: String) -> Bool {
        if key.isEmpty { return true }
        guard let place = StoreCatalog.place(of: key), place.issue == issue else { return false }
        let folder = place.folder.split(separator: "/")
        guard folder[4] == "123", let month = Int(folder[3]), (1...12).contains(month) else { return false }
        let name = place.name.hasPrefix("builds/") ? String(place.name.dropFirst("builds/".count)) : place.name
        guard !name.contains("/"), name != "manifest.json", !name.hasPrefix("trace-run-") else { return false }
        let bases = [filename, filename + ".gz"]
        return bases.contains(name)
            || bases.contains { base in (2...99).contains { StoreLayout.numbered(base, $0) == name } }
    }

    @Test(arguments: FuzzSeeds.seeds)
    func hostileKeysNeverCrashAndNeverPass(_ seed: UInt64) throws {
        var random = XorShift(seed: seed)
        let issue = try IssueNumber(validating: "123")
        for iteration in 0..<FuzzSeeds.iterations {
            let filename = Self.filenames.randomElement(using: &random)!
            let key = Self.hostileKey(using: &random)
            let log = JSONValue.object(JSONObject([
                ("type", .string("build")), ("filename", .string(filename)), ("remote_path", .string(key)),
            ]))
            let entry = JSONValue.object(JSONObject([("issue_number", .string("123")), ("logs", .array([log]))]))
            let other = JSONValue.object(JSONObject([("issue_number", .string("7")), ("logs", .array([]))]))
            let label = "seed \(seed) iteration \(iteration): \(key.debugDescription) for \(filename)"
            // The manifest reader and the index entry reader.
            if let decoded = try? ArchiveEntry(json: entry, path: "manifest") {
                let own = decoded.logs.allSatisfy { Self.isOwnKey($0.remotePath, issue: issue, filename: filename) }
                #expect(own, "\(label)")
            }
            // A whole file: the entry is served or kept aside as invalid, never fails its neighbour,
            // and is written back as it was read.
            let bytes = JSONWriter.prettyUTF8(.object(JSONObject([("archives", .array([entry, other]))])))
            UntrustedParsers.feedTimed(bytes, limit: 1, label)
            let index = try ArchiveIndex(fileBytes: bytes)
            #expect(index.entry(for: IssueNumber(exactly: 7)!) != nil, "\(label)")
            #expect(index.archives.count + index.invalidEntries.count == 2, "\(label)")
            #expect(try ArchiveIndex(fileBytes: index.fileBytes).json == index.json, "\(label)")
            let text = try IndexFileText(bytes)
            if let served = try? text.entry(for: issue) {
                let own = served.logs.allSatisfy { Self.isOwnKey($0.remotePath, issue: issue, filename: filename) }
                #expect(own, "\(label)")
            }
        }
    }
}
