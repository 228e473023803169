import Foundation
import Testing
@testable import LogArchive

@Suite struct UTCTimestampTests {
    @Test func formatsAndParsesUTC() throws {
        let stamp = try #require(UTCTimestamp(iso8601: "2025-01-15T14:00:00Z"))
        #expect(stamp.seconds == 1_736_949_600)
        #expect(stamp.iso8601 == "2025-01-15T14:00:00Z")
        #expect(stamp.year == 2025 && stamp.month == 1)
        #expect(UTCTimestamp(iso8601: "2025-01-15T16:00:00+02:00") == stamp)
        #expect(UTCTimestamp(iso8601: "2025-01-15T14:00:00.250Z") == stamp)
        #expect(UTCTimestamp(iso8601: "2025-13-15T14:00:00Z") == nil)
        #expect(UTCTimestamp(iso8601: "yesterday") == nil)
        #expect(UTCTimestamp(seconds: 951_782_400).iso8601 == "2000-02-29T00:00:00Z")
    }

    @Test func rejectsImpossibleDates() {
        for text in [
            "2025-02-31T00:00:00Z", "2025-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2100-02-29T00:00:00Z",
            "2025-04-31T00:00:00Z", "2025-06-31T00:00:00Z", "2025-09-31T00:00:00Z", "2025-11-31T00:00:00Z",
            "2025-01-32T00:00:00Z", "2025-01-00T00:00:00Z", "2025-00-10T00:00:00Z", "2025-01-15T24:00:00Z",
            "2025-01-15T14:60:00Z", "2025-01-15T14:00:00+24:00", "2025-01-15T14:00:00+02:60",
        ] {
            #expect(UTCTimestamp(iso8601: text) == nil, "\(text)")
        }
        for text in ["2024-02-29T00:00:00Z", "2000-02-29T00:00:00Z", "2025-04-30T00:00:00Z", "2025-12-31T23:59:59Z"] {
            #expect(UTCTimestamp(iso8601: text)?.iso8601 == text)
        }
        // The other parsers build on this one: dates for `search --since/--until`.
        #expect(UTCTimestamp(dateOrInstant: "2025-02-31") == nil)
        #expect(UTCTimestamp(dateOrInstant: "2025-02-30", endOfDay: true) == nil)
        #expect(UTCTimestamp(dateOrInstant: "2024-02-29")?.iso8601 == "2024-02-29T00:00:00Z")
    }
}
