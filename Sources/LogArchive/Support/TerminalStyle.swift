#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Colour for text a person reads on a terminal, and nothing at all anywhere else: a pipe, a file,
/// a CI log, or whenever `NO_COLOR` is set (https://no-color.org) or `TERM` is `dumb`.
public struct TerminalStyle: Sendable {
    public let colours: Bool

    public init(colours: Bool) {
        self.colours = colours
    }

    public static let plain = TerminalStyle(colours: false)

    /// Colour only when standard output is a terminal that wants it.
    public static func forStandardOutput(environment: [String: String]) -> TerminalStyle {
        let noColour = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        return TerminalStyle(colours: isatty(STDOUT_FILENO) == 1 && !noColour && environment["TERM"] != "dumb")
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

/// Rows of cells printed in aligned columns. Cells are padded before they are styled, so escape
/// codes never upset the alignment.
public struct TextTable: Sendable {
    public enum Alignment: Sendable { case left, right }

    public struct Cell: Sendable {
        public let text: String
        public let style: @Sendable (String) -> String

        public init(_ text: String, style: @escaping @Sendable (String) -> String = { $0 }) {
            self.text = text
            self.style = style
        }
    }

    public let alignments: [Alignment]
    public private(set) var rows: [[Cell]] = []

    public init(alignments: [Alignment]) {
        self.alignments = alignments
    }

    public mutating func add(_ cells: [Cell]) { rows.append(cells) }

    /// The table's lines, each starting with `indent`, with two spaces between columns and no
    /// trailing blanks.
    public func lines(indent: String) -> [String] {
        var widths = [Int](repeating: 0, count: alignments.count)
        for row in rows {
            for (column, cell) in row.enumerated() where column < widths.count {
                widths[column] = max(widths[column], cell.text.count)
            }
        }
        return rows.map { row in
            var line = indent
            for (column, cell) in row.enumerated() {
                let width = column < widths.count ? widths[column] : cell.text.count
                let padding = String(repeating: " ", count: max(0, width - cell.text.count))
                let isLast = column == row.count - 1
                if column > 0 { line += "  " }
                switch column < alignments.count ? alignments[column] : .left {
                case .left: line += cell.style(cell.text) + (isLast ? "" : padding)
                case .right: line += padding + cell.style(cell.text)
                }
            }
            return line
        }
    }
}
