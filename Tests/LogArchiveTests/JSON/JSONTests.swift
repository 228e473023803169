import Testing
@testable import LogArchive

@Suite struct JSONTests {
    @Test func parsesAndWritesBackKeepingKeyOrder() throws {
        let text = #"{"z": 1, "a": [true, false, null], "m": {"k": "v\n\u00e9\ud83d\ude00"}, "d": -1.5e3}"#
        let value = try JSONParser.parse(text)
        guard case .object(let object) = value else { Issue.record("not an object"); return }
        #expect(object.keys == ["z", "a", "m", "d"])
        #expect(object["d"] == .double(-1500))
        #expect(object["m"] == .object(JSONObject([("k", .string("v\né😀"))])))
        let reparsed = try JSONParser.parse(JSONWriter.pretty(value))
        #expect(reparsed == value)
        #expect(try JSONParser.parse(JSONWriter.compact(value)) == value)
    }

    @Test(arguments: [
        ("", "empty"), ("{", "string key"), ("{\"a\" 1}", "':'"), ("[1,]", "unexpected character"), ("{\"a\":1,\"a\":2}", "duplicate key"),
        ("\"\u{01}\"", "control character"), ("01", "unexpected text"), ("[1] x", "unexpected text"), ("\"\\x\"", "invalid escape"),
        ("1e999", "out of range"), ("\"\\ud800\"", "surrogate"),
    ])
    func rejectsInvalidDocumentsWithTheReason(_ text: String, _ reason: String) {
        do {
            _ = try JSONParser.parse(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.description.contains(reason), "\(error)")
        }
    }

    @Test func reportsLineAndColumn() {
        do {
            _ = try JSONParser.parse("{\n  \"a\": 1,\n  \"b\": ?\n}")
            Issue.record("accepted")
        } catch {
            #expect(error.line == 3)
            #expect(error.column == 8)
        }
    }

    @Test func deepNestingIsRefusedNotACrash() {
        let deep = String(repeating: "[", count: 100_000)
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(deep) }
    }

    @Test func commentsOnlyWhenAllowed() throws {
        let text = "// a comment\n{\"a\": 1 // trailing\n}"
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(text) }
        #expect(try JSONParser.parse(text, allowsComments: true) == .object(JSONObject([("a", .integer(1))])))
    }

    @Test func writerEscapesControlCharactersAndQuotes() throws {
        let value = JSONValue.string("a\"b\\c\u{0}\u{1f}\u{7f}")
        let written = JSONWriter.compact(value)
        #expect(written == #""a\"b\\c\u0000\u001f\u007f""#)
        #expect(try JSONParser.parse(written) == value)
    }
}
