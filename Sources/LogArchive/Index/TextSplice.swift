/// Replacements of byte ranges of a text, applied in one pass, that also say where any range of
/// the old text lies in the new one: a write that changes one entry of a 2 MB shard knows where
/// every other entry is without skimming the new text again.
struct TextSplice {
    struct Edit {
        var range: Range<Int>
        var bytes: [UInt8]
        /// Where the replacement begins in the new text.
        fileprivate(set) var newStart = 0
    }

    /// Sorted by position; they do not overlap (an insertion, an empty range, may touch another).
    private(set) var edits: [Edit]

    init(_ edits: [Edit]) {
        var sorted = edits.sorted { ($0.range.lowerBound, $0.range.count) < ($1.range.lowerBound, $1.range.count) }
        var shift = 0
        for position in sorted.indices {
            sorted[position].newStart = sorted[position].range.lowerBound + shift
            shift += sorted[position].bytes.count - sorted[position].range.count
        }
        self.edits = sorted
    }

    /// How much longer the new text is than the old.
    var growth: Int { edits.reduce(0) { $0 + $1.bytes.count - $1.range.count } }

    /// `old` with every edit applied.
    func applied(to old: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(old.count + growth)
        var copied = 0
        for edit in edits {
            result += old[copied..<edit.range.lowerBound]
            result += edit.bytes
            copied = edit.range.upperBound
        }
        result += old[copied...]
        return result
    }

    /// Where the old offset `point`, which no edit covers, lies in the new text. An insertion at
    /// `point` comes before it.
    func moved(_ point: Int) -> Int {
        var shift = 0
        for edit in edits where edit.range.upperBound <= point {
            shift += edit.bytes.count - edit.range.count
        }
        return point + shift
    }

    /// Where `range` of the old text lies in the new one: the replacement's bytes when an edit
    /// replaced exactly that range, else the range moved whole (it must lie outside every edit).
    func moved(_ range: Range<Int>) -> Range<Int> {
        if let edit = edits.first(where: { $0.range == range && !range.isEmpty }) {
            return edit.newStart..<edit.newStart + edit.bytes.count
        }
        let start = moved(range.lowerBound)
        return start..<start + range.count
    }

    /// Where an old range that edits lie inside of lies: from its moved start to its moved end.
    func stretched(_ range: Range<Int>) -> Range<Int> {
        moved(range.lowerBound)..<moved(range.upperBound)
    }
}
