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
