/// Small pieces of the sentences the summaries print, worded one way everywhere.
public enum Wording {
    /// `1 log`, `3 logs`, `2 retries`.
    public static func count(_ count: Int, _ word: String, plural: String? = nil) -> String {
        "\(count) \(count == 1 ? word : plural ?? word + "s")"
    }

    /// A path as a person in `currentDirectory` would type it: relative when it lies inside.
    public static func path(_ path: String, from currentDirectory: String) -> String {
        Paths.relative(path, to: currentDirectory) ?? path
    }
}
