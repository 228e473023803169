import Foundation
import Testing
@testable import LogArchive

@Suite struct ByteCountTests {
    @Test(arguments: [
        ("1048576", Int64(1_048_576)), ("1MiB", 1_048_576), ("1MB", 1_048_576), ("100MB", 104_857_600), ("512k", 524_288),
        ("512 KiB", 524_288), ("1.5g", 1_610_612_736), ("0", 0), ("7b", 7),
    ])
    func parsesSizes(_ text: String, _ bytes: Int64) {
        #expect(ByteCount.parse(text) == bytes)
    }

    @Test(arguments: ["", "MB", "-1MB", "12 parsecs", "1..2k", "99999999999T"])
    func rejectsNonsense(_ text: String) {
        #expect(ByteCount.parse(text) == nil)
    }

    @Test func formatsLikeTheWorkflow() {
        #expect(ByteCount.format(512) == "512 B")
        #expect(ByteCount.format(131_072) == "128 KiB")
        #expect(ByteCount.format(46_694) == "45.6 KiB")
        #expect(ByteCount.format(1_610_612_736) == "1.5 GiB")
    }

    @Test func durations() {
        #expect(DurationText.parseSeconds("5m") == 300)
        #expect(DurationText.parseSeconds("300000ms") == 300)
        #expect(DurationText.parseSeconds("30s") == 30)
        #expect(DurationText.parseSeconds("soon") == nil)
        #expect(DurationText.format(seconds: 9000) == "2h 30m")
        #expect(DurationText.format(seconds: 4500) == "1h 15m")
    }
}
