/// Durations as people write them: `5m`, `30s`, `300000ms`, `1h`, `2d`.
public enum DurationText {
    /// Seconds, or nil for text that is not a duration, negative, or not finite (`inf`, `1e400s`).
    public static func parseSeconds(_ text: String) -> Double? {
        let trimmed = text.trimmingWhitespace().lowercased()
        let suffixes: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        for (suffix, scale) in suffixes where trimmed.hasSuffix(suffix) {
            guard let value = Double(trimmed.dropLast(suffix.count)), value >= 0 else { return nil }
            return finite(value * scale)
        }
        guard let value = Double(trimmed), value >= 0 else { return nil }
        return finite(value)
    }

    /// `1ms`, `30s`, `1d`: a duration in the form a flag takes it.
    public static func flagForm(seconds: Double) -> String {
        if seconds < 1 { return "\(Int64((seconds * 1000).rounded()))ms" }
        if seconds >= 86_400, seconds.truncatingRemainder(dividingBy: 86_400) == 0 {
            return "\(Int64(seconds / 86_400))d"
        }
        return "\(Int64(seconds.rounded()))s"
    }

    private static func finite(_ seconds: Double) -> Double? { seconds.isFinite ? seconds : nil }

    /// `2h 30m`, `45s`: the form the issue comment uses for session lengths.
    public static func format(seconds: Int64) -> String {
        if seconds < 60 { return "\(seconds)s" }
        let hours = seconds / 3600
        let minutes = (seconds % 3600) / 60
        if hours == 0 { return "\(minutes)m" }
        return minutes == 0 ? "\(hours)h" : "\(hours)h \(minutes)m"
    }
}
