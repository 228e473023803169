import Testing
@testable import LogArchive

@Suite struct IssueNumberTests {
    @Test(arguments: ["1", "123", "999999999999999999"])
    func acceptsPositiveIntegers(_ text: String) throws {
        #expect(try IssueNumber(validating: text).description == text)
    }

    @Test(arguments: ["", "0", "00", "0123", "-5", "+5", "12a", "abc", "../x", " 12", "12 ", "1e3", "١٢٣", "1234567890123456789"])
    func refusesEverythingElse(_ text: String) {
        #expect(throws: ArchiveError.self) { try IssueNumber(validating: text) }
    }
}
