import Glibc

/// Wall-clock instants as the index writes them: `2025-01-15T14:00:00Z`, always UTC.
public struct UTCTimestamp: Sendable, Equatable, Comparable {
    /// Seconds since the Unix epoch.
    public let seconds: Int64

    public init(seconds: Int64) {
        self.seconds = seconds
    }

    public static func now() -> UTCTimestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UTCTimestamp(seconds: Int64(spec.tv_sec))
    }

    private var fields: tm {
        var time = time_t(seconds)
        var fields = tm()
        gmtime_r(&time, &fields)
        return fields
    }

    public var year: Int { Int(fields.tm_year) + 1900 }
    public var month: Int { Int(fields.tm_mon) + 1 }

    /// `2025-01-15T14:00:00Z`
    public var iso8601: String {
        let f = fields
        return "\(pad(Int(f.tm_year) + 1900, 4))-\(pad(Int(f.tm_mon) + 1))-\(pad(Int(f.tm_mday)))T"
            + "\(pad(Int(f.tm_hour))):\(pad(Int(f.tm_min))):\(pad(Int(f.tm_sec)))Z"
    }

    /// `20250115T140000Z`, ISO 8601's basic form: sorts like the instant and fits in a file name.
    public var basicISO8601: String {
        let f = fields
        return "\(pad(Int(f.tm_year) + 1900, 4))\(pad(Int(f.tm_mon) + 1))\(pad(Int(f.tm_mday)))T"
            + "\(pad(Int(f.tm_hour)))\(pad(Int(f.tm_min)))\(pad(Int(f.tm_sec)))Z"
    }

    /// `2025-01-15 14:00 UTC`, for people.
    public var readable: String {
        let f = fields
        return "\(pad(Int(f.tm_year) + 1900, 4))-\(pad(Int(f.tm_mon) + 1))-\(pad(Int(f.tm_mday))) "
            + "\(pad(Int(f.tm_hour))):\(pad(Int(f.tm_min))) UTC"
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`.
    public init?(iso8601 text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                guard index < bytes.count, (48...57).contains(bytes[index]) else { return nil }
                value = value * 10 + Int(bytes[index] - 48)
            }
            return value
        }
        guard let year = number(0..<4), bytes[4] == 45, let month = number(5..<7), bytes[7] == 45,
            let day = number(8..<10), bytes[10] == 84 || bytes[10] == 116, let hour = number(11..<13),
            bytes[13] == 58, let minute = number(14..<16), bytes[16] == 58, let second = number(17..<19),
            (1...12).contains(month), (1...UTCTimestamp.daysIn(month: month, year: year)).contains(day), hour < 24,
            minute < 60, second < 61
        else { return nil }
        var index = 19
        if index < bytes.count, bytes[index] == 46 {
            index += 1
            while index < bytes.count, (48...57).contains(bytes[index]) { index += 1 }
        }
        var offset = 0
        guard index < bytes.count else { return nil }
        if bytes[index] == 90 || bytes[index] == 122 {
            index += 1
        } else if bytes[index] == 43 || bytes[index] == 45, let hours = number(index + 1..<index + 3),
            bytes.count > index + 3, bytes[index + 3] == 58, let minutes = number(index + 4..<index + 6),
            hours < 24, minutes < 60
        {
            offset = (hours * 3600 + minutes * 60) * (bytes[index] == 43 ? 1 : -1)
            index += 6
        } else {
            return nil
        }
        guard index == bytes.count else { return nil }
        self.seconds = UTCTimestamp.daysSinceEpoch(year: year, month: month, day: day) * 86_400
            + Int64(hour * 3600 + minute * 60 + second - offset)
    }

    /// Days in a month of the proleptic Gregorian calendar: February has 29 in leap years.
    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days from 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    public static func < (lhs: UTCTimestamp, rhs: UTCTimestamp) -> Bool { lhs.seconds < rhs.seconds }

    private func pad(_ value: Int, _ width: Int = 2) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
