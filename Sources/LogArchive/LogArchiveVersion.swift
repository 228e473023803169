public enum LogArchiveVersion {
    public static let current = "0.1.0"
}
