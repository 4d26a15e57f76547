/// One terminal cell: a glyph and its colours. `fg == nil` means the glyph
/// shows no foreground (a space), so any foreground will do.
public struct Cell: Hashable, Sendable {
    public var glyph: Unicode.Scalar
    public var fg: TermColor?
    public var bg: TermColor

    public init(_ glyph: Unicode.Scalar, fg: TermColor?, bg: TermColor) {
        (self.glyph, self.fg, self.bg) = (glyph, fg, bg)
    }

    public static let blank = Cell(" ", fg: nil, bg: .default)
}

/// A grid of cells, row-major: what the renderer produces and the terminal shows.
public struct Frame: Equatable, Sendable {
    public let columns: Int
    public let rows: Int
    public var cells: [Cell]

    public init(columns: Int, rows: Int, cells: [Cell]? = nil) {
        (self.columns, self.rows) = (columns, rows)
        self.cells = cells ?? [Cell](repeating: .blank, count: columns * rows)
        precondition(self.cells.count == columns * rows)
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * columns + x] }
        set { cells[y * columns + x] = newValue }
    }

    /// The glyphs alone, one line a row (the `.txt` output).
    public var text: String {
        var s = String.UnicodeScalarView()
        for y in 0..<rows {
            for x in 0..<columns { s.append(self[x, y].glyph) }
            s.append("\n")
        }
        return String(s)
    }
}
