/// Writes frames as ANSI text: SGR only when a colour changes from the
/// previous cell, a reset at each line end.
public enum ANSIWriter {
    static let esc = "\u{1B}["

    /// The whole frame, lines separated by "\n" (for `render`). Blank cells at
    /// the end of a line are left out.
    public static func frame(_ f: Frame) -> String {
        var out = String.UnicodeScalarView()
        out.reserveCapacity(f.cells.count * 12)
        for y in 0..<f.rows {
            var pen = Pen()
            var end = f.columns
            while end > 0 && f[end - 1, y] == .blank { end -= 1 }
            for x in 0..<end { pen.emit(f[x, y], into: &out) }
            pen.reset(into: &out)
            out.append("\n")
        }
        return String(out)
    }

    /// Only the cells that differ from `previous`, each run placed with a
    /// cursor move (CUP, 1-based, offset by `origin`), for redrawing in place.
    public static func diff(from previous: Frame?, to f: Frame, origin: (x: Int, y: Int) = (0, 0)) -> String {
        guard let previous, previous.columns == f.columns, previous.rows == f.rows else {
            var out = String.UnicodeScalarView()
            for y in 0..<f.rows {
                append("\(esc)\(origin.y + y + 1);\(origin.x + 1)H", to: &out)
                var pen = Pen()
                for x in 0..<f.columns { pen.emit(f[x, y], into: &out) }
                pen.reset(into: &out)
            }
            return String(out)
        }
        var out = String.UnicodeScalarView()
        for y in 0..<f.rows {
            var pen = Pen()
            var cursor = -1  // column the cursor is at, -1 unknown
            for x in 0..<f.columns where previous[x, y] != f[x, y] {
                if cursor != x { append("\(esc)\(origin.y + y + 1);\(origin.x + x + 1)H", to: &out) }
                pen.emit(f[x, y], into: &out)
                cursor = x + 1
            }
            pen.reset(into: &out)
        }
        return String(out)
    }

    /// The current SGR state of the terminal while writing a line.
    struct Pen {
        var fg: TermColor = .default
        var bg: TermColor = .default
        var dirty = false

        mutating func emit(_ cell: Cell, into out: inout String.UnicodeScalarView) {
            var params: [String] = []
            if let want = cell.fg, want != fg {
                params.append(want == .default ? "39" : ANSIWriter.sgr(want, foreground: true))
                fg = want
            }
            if cell.bg != bg {
                params.append(cell.bg == .default ? "49" : ANSIWriter.sgr(cell.bg, foreground: false))
                bg = cell.bg
            }
            if !params.isEmpty {
                ANSIWriter.append("\(ANSIWriter.esc)\(params.joined(separator: ";"))m", to: &out)
                dirty = fg != .default || bg != .default
            }
            out.append(cell.glyph)
        }

        mutating func reset(into out: inout String.UnicodeScalarView) {
            if dirty || fg != .default || bg != .default { ANSIWriter.append("\(ANSIWriter.esc)0m", to: &out) }
            self = Pen()
        }
    }

    static func sgr(_ c: TermColor, foreground: Bool) -> String {
        switch c {
        case .default: return foreground ? "39" : "49"
        case .rgb(let v): return "\(foreground ? 38 : 48);2;\(v.r);\(v.g);\(v.b)"
        case .index(let i) where i < 8: return "\((foreground ? 30 : 40) + Int(i))"
        case .index(let i) where i < 16: return "\((foreground ? 90 : 100) + Int(i) - 8)"
        case .index(let i): return "\(foreground ? 38 : 48);5;\(i)"
        }
    }

    static func append(_ s: String, to out: inout String.UnicodeScalarView) { out.append(contentsOf: s.unicodeScalars) }
}
