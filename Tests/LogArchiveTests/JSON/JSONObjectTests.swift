import Testing
@testable import LogArchive

@Suite struct JSONObjectTests {
    static func numbered(_ count: Int) -> [(key: String, value: JSONValue)] {
        (0..<count).map { ("key\($0)", .integer(Int64($0))) }
    }

    /// Past `scanLimit` keys the object switches to its positions dictionary; both must agree.
    @Test(arguments: [3, JSONObject.scanLimit, JSONObject.scanLimit + 1, 40])
    func findsEveryKeyAndKeepsOrderWhateverItsSize(_ count: Int) throws {
        let text = "{" + (0..<count).map { "\"key\($0)\": \($0)" }.joined(separator: ", ") + "}"
        guard case .object(let object) = try JSONParser.parse(text) else { Issue.record("not an object"); return }
        #expect(object.members.map(\.key) == Self.numbered(count).map(\.key))
        #expect(object.members.map(\.value) == Self.numbered(count).map(\.value))
        #expect(object["key0"] == .integer(0))
        #expect(object["key\(count - 1)"] == .integer(Int64(count - 1)))
        #expect(object["key\(count)"] == nil)
    }

    @Test(arguments: [5, 40])
    func aDuplicateKeyIsRefusedBeforeAndAfterThePositionsDictionary(_ count: Int) {
        let members = Self.numbered(count).map { "\"\($0.key)\": 0" } + ["\"key\(count - 2)\": 1"]
        do {
            _ = try JSONParser.parse("{" + members.joined(separator: ", ") + "}")
            Issue.record("accepted a duplicate key")
        } catch {
            #expect(error.reason == "duplicate key \"key\(count - 2)\"")
        }
    }

    @Test(arguments: [5, 40])
    func removingAMemberKeepsTheLaterOnesFindable(_ count: Int) {
        var object = JSONObject(Self.numbered(count))
        object["key1"] = nil
        object["key\(count)"] = .string("new")
        #expect(object["key1"] == nil)
        #expect(object.keys.count == count)
        for index in 2..<count { #expect(object["key\(index)"] == .integer(Int64(index))) }
        #expect(object["key\(count)"] == .string("new"))
        #expect(object.keys.last == "key\(count)")
    }

    @Test(arguments: [5, 40])
    func aRepeatedKeyInTheInitializerKeepsItsFirstPlaceAndLastValue(_ count: Int) {
        let object = JSONObject(Self.numbered(count) + [("key0", .string("last"))])
        #expect(object.keys == Self.numbered(count).map(\.key))
        #expect(object["key0"] == .string("last"))
    }

    @Test func escapesAndUTF8AroundThemDecode() throws {
        let text = #""é\u00e9\"\\\/\b\f\n\r\t\ud83d\ude00 ü end""#
        #expect(try JSONParser.parse(text) == .string("éé\"\\/\u{08}\u{0C}\n\r\t😀 ü end"))
        #expect(try JSONParser.parse(#""\u0000""#) == .string("\u{0}"))
    }

    @Test(arguments: [Array("[\"ab".utf8) + [0xFF] + Array("c\"]".utf8), Array("[\"a\\nb".utf8) + [0xC3] + Array("\"]".utf8)])
    func invalidUTF8InAStringIsRefusedWhereTheStringEnds(_ bytes: [UInt8]) {
        do {
            _ = try JSONParser.parse(bytes)
            Issue.record("accepted invalid UTF-8")
        } catch {
            #expect(error.reason == "a string is not valid UTF-8")
            #expect(error.line == 1)
            #expect(error.column == bytes.count - 1)
        }
    }

    @Test(arguments: [
        ("9223372036854775807", JSONValue.integer(.max)), ("-9223372036854775808", .integer(.min)),
        ("9223372036854775808", .double(0x1p63)), ("-9223372036854775809", .double(-0x1p63)),
        ("-0", .integer(0)), ("0", .integer(0)), ("120", .integer(120)), ("1.0", .double(1)), ("1e2", .double(100)),
        ("-2.5E-1", .double(-0.25)), ("18446744073709551616", .double(0x1p64)),
    ])
    func numbersAreIntegersWhenTheyFitAnInt64(_ text: String, _ expected: JSONValue) throws {
        #expect(try JSONParser.parse(text) == expected)
    }

    @Test(arguments: ["-01", "-", "1.", "1e", "+1", ".5"])
    func malformedNumbersAreRefused(_ text: String) {
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(text) }
    }

    @Test func prettyBytesAreThePrettyText() throws {
        let value = try JSONParser.parse(#"{"a": [-12, 0, 9223372036854775807, -9223372036854775808, 0.5, "x\u007f\u0001é"], "b": {}, "c": []}"#)
        let expected = """
            {
              "a": [
                -12,
                0,
                9223372036854775807,
                -9223372036854775808,
                0.5,
                "x\\u007f\\u0001é"
              ],
              "b": {},
              "c": []
            }

            """
        #expect(JSONWriter.pretty(value) == expected)
        #expect(JSONWriter.prettyUTF8(value) == Array(expected.utf8))
        #expect(JSONWriter.compact(value) == #"{"a":[-12,0,9223372036854775807,-9223372036854775808,0.5,"x\u007f\u0001é"],"b":{},"c":[]}"#)
    }
}
