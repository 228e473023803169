import Glibc

/// Rows of cells printed in aligned columns. Cells are padded before they are styled, so escape
/// codes never upset the alignment.
public struct TextTable: Sendable {
    public enum Alignment: Sendable { case left, right }

    public struct Cell: Sendable {
        public let text: String
        public let style: @Sendable (String) -> String

        /// A cell is one line whatever its text holds (a file name, an error): escaped here.
        public init(_ text: String, style: @escaping @Sendable (String) -> String = { $0 }) {
            self.text = Wording.oneLine(text)
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
