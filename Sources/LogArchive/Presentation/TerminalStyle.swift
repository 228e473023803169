/// Colour for text a person reads on a terminal, and nothing at all anywhere else: a pipe, a file,
/// a CI log, or whenever `NO_COLOR` is set (https://no-color.org) or `TERM` is `dumb`.
public struct TerminalStyle: Sendable {
    public let colours: Bool

    public init(colours: Bool) {
        self.colours = colours
    }

    public static let plain = TerminalStyle(colours: false)

    /// Colour only for an output that is a terminal, in an environment that wants it. The caller
    /// says which: the executable's commands can write to a test's buffer as well as to stdout.
    public static func forOutput(isTerminal: Bool, environment: [String: String]) -> TerminalStyle {
        let noColour = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        return TerminalStyle(colours: isTerminal && !noColour && environment["TERM"] != "dumb")
    }

    public func good(_ text: String) -> String { paint(text, "32") }
    public func warning(_ text: String) -> String { paint(text, "33") }
    public func bad(_ text: String) -> String { paint(text, "31") }
    public func bold(_ text: String) -> String { paint(text, "1") }
    public func dim(_ text: String) -> String { paint(text, "2") }

    private func paint(_ text: String, _ code: String) -> String {
        colours && !text.isEmpty ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
