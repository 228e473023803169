/// Sizes as people write them (`100MB`, `1MiB`, `512k`, `1048576`) and as the summary prints them.
/// Units are binary throughout, as logrotate and most log tools read them: k = KB = KiB = 1024.
public enum ByteCount {
    public static func parse(_ text: String) -> Int64? {
        let trimmed = text.trimmingWhitespace()
        guard let unitStart = trimmed.firstIndex(where: { !($0.isASCII && ($0.isNumber || $0 == ".")) }) ?? Optional(trimmed.endIndex)
        else { return nil }
        let numberText = trimmed[..<unitStart]
        let unit = trimmed[unitStart...].trimmingWhitespace().lowercased()
        guard !numberText.isEmpty, let number = Double(numberText), number >= 0 else { return nil }
        let multiplier: Double
        switch unit {
        case "", "b": multiplier = 1
        case "k", "kb", "kib": multiplier = 1024
        case "m", "mb", "mib": multiplier = 1024 * 1024
        case "g", "gb", "gib": multiplier = 1024 * 1024 * 1024
        case "t", "tb", "tib": multiplier = 1024 * 1024 * 1024 * 1024
        default: return nil
        }
        let bytes = (number * multiplier).rounded()
        guard bytes < 9e18 else { return nil }
        return Int64(bytes)
    }

    /// `45.6 KiB`, `128 KiB`, `1.2 GiB`, `512 B`: one decimal, dropped when it is zero. Binary
    /// units, labelled as such, as sizes are read (`100MB` is 100 MiB).
    public static func format(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while abs(value) >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(bytes) B" }
        let tenths = (value * 10).rounded() / 10
        if tenths == tenths.rounded() { return "\(Int64(tenths)) \(units[unit])" }
        return "\(tenths) \(units[unit])"
    }
}

/// Durations as people write them: `5m`, `30s`, `300000ms`, `1h`, `2d`.
public enum DurationText {
    public static func parseSeconds(_ text: String) -> Double? {
        let trimmed = text.trimmingWhitespace().lowercased()
        let suffixes: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        for (suffix, scale) in suffixes where trimmed.hasSuffix(suffix) {
            guard let value = Double(trimmed.dropLast(suffix.count)), value >= 0 else { return nil }
            return value * scale
        }
        guard let value = Double(trimmed), value >= 0 else { return nil }
        return value
    }

    /// `2h 30m`, `45s`: the form the issue comment uses for session lengths.
    public static func format(seconds: Int64) -> String {
        if seconds < 60 { return "\(seconds)s" }
        let hours = seconds / 3600
        let minutes = (seconds % 3600) / 60
        if hours == 0 { return "\(minutes)m" }
        return minutes == 0 ? "\(hours)h" : "\(hours)h \(minutes)m"
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) ?? first
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
