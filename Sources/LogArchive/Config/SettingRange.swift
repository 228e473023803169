/// The one check every number a flag, an environment variable or the config file hands the tool
/// goes through: a value that does not parse (`99999999999999999999TB`, `inf`, `nan`, `1e400s`)
/// or lies outside its range is refused with exit 64, naming where it came from and the range,
/// before any arithmetic on it can overflow (a day count times 86,400, a timeout in microseconds).
public struct SettingRange<Value: Comparable & Sendable>: Sendable {
    public let bounds: ClosedRange<Value>
    /// How a value is described in the message: "a whole number of days".
    let what: String
    let show: @Sendable (Value) -> String
    let parseText: @Sendable (String) -> Value?

    /// `value` when it is in range; else an error naming `source` (`--older-than`,
    /// `LOGARCHIVE_PART_SIZE`, `part_size in /path/.logarchive.json`).
    public func check(_ value: Value, source: String) throws(ArchiveError) -> Value {
        guard bounds.contains(value) else { throw refusal(source, show(value)) }
        return value
    }

    /// The value `text` gives, checked.
    public func parse(_ text: String, source: String) throws(ArchiveError) -> Value {
        guard let value = parseText(text) else { throw refusal(source, text) }
        guard bounds.contains(value) else { throw refusal(source, text) }
        return value
    }

    func refusal(_ source: String, _ text: String) -> ArchiveError {
        .badInput("invalid \(source) '\(text)': use \(what) from \(show(bounds.lowerBound)) to \(show(bounds.upperBound))")
    }
}

extension SettingRange where Value == Int {
    static func count(_ bounds: ClosedRange<Int>, _ what: String) -> SettingRange {
        SettingRange(bounds: bounds, what: what, show: { String($0) }, parseText: { Int($0.trimmingWhitespace()) })
    }
}

extension SettingRange where Value == Int64 {
    static func size(_ bounds: ClosedRange<Int64>) -> SettingRange {
        SettingRange(bounds: bounds, what: "a size (100MB, 512k, 1048576)", show: ByteCount.format, parseText: ByteCount.parse)
    }
}

extension SettingRange where Value == Double {
    static func duration(_ bounds: ClosedRange<Double>) -> SettingRange {
        SettingRange(
            bounds: bounds, what: "a duration (30s, 5m, 300000ms)", show: { DurationText.flagForm(seconds: $0) },
            parseText: DurationText.parseSeconds)
    }

    static func number(_ bounds: ClosedRange<Double>, _ what: String) -> SettingRange {
        SettingRange(
            bounds: bounds, what: what, show: { $0 == $0.rounded() ? String(Int64($0)) : String($0) },
            parseText: { Double($0.trimmingWhitespace()).flatMap { $0.isFinite ? $0 : nil } })
    }
}

/// The ranges themselves, in one place. Each is wide enough for any real use and narrow enough
/// that nothing computed from it overflows.
public enum SettingRanges {
    /// `cleanup --older-than DAYS`: a century.
    public static let olderThanDays = SettingRange<Int>.count(0...36_500, "a whole number of days")
    /// `search --context N`: each context line may be a full window (256 KiB), kept per worker.
    public static let searchContext = SettingRange<Int>.count(0...100, "a number of lines")
    public static let maxResults = SettingRange<Int>.count(1...1_000_000_000, "a number of matching lines")
    public static let compressionLevel = SettingRange<Int>.count(1...9, "a gzip level")
    public static let uploadConcurrency = SettingRange<Int>.count(1...Settings.maximumUploadConcurrency, "a number of uploads at once")
    /// `LOGARCHIVE_FAULT_SKIP`: passes of a fault point to let through.
    public static let faultSkip = SettingRange<Int>.count(0...1_000_000_000, "a number of passes")
    /// `--compression-threshold`, `--threshold` of rotate, watch and db-archive: up to 1 PiB.
    public static let threshold = SettingRange<Int64>.size(0...(1 << 50))
    /// S3's own limits: parts of 5 MiB to 5 GiB; an object above 5 GiB cannot go in one PUT.
    public static let partSize = SettingRange<Int64>.size(S3Settings.minimumPartSize...(5 << 30))
    public static let multipartThreshold = SettingRange<Int64>.size(0...(5 << 30))
    /// `watch --interval`: 1 ms to 30 days.
    public static let watchInterval = SettingRange<Double>.duration(0.001...(30 * 86_400))
    /// `http_timeout`, `LOGARCHIVE_HTTP_TIMEOUT`: 1 ms to a day (it doubles on each timeout retry).
    public static let httpTimeout = SettingRange<Double>.duration(0.001...86_400)
    /// `LOGARCHIVE_BACKOFF_SCALE`: retry delays times 0 (tests) to 1000.
    public static let backoffScale = SettingRange<Double>.number(0...1000, "a number")
}
