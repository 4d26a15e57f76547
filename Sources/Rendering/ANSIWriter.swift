/// Writes frames as ANSI text: SGR only when a colour changes from the
/// previous cell, a reset at each line end. Output is built as UTF-8 bytes
/// (no String appends on the hot path).
public enum ANSIWriter {
    /// The whole frame, lines separated by "\n" (for `render`). Blank cells at
    /// the end of a line are left out.
    public static func frame(_ f: Frame) -> String { String(decoding: frameBytes(f), as: UTF8.self) }

    public static func frameBytes(_ f: Frame) -> [UInt8] {
        var out = Bytes(capacity: f.cells.count * 12)
        for y in 0..<f.rows {
            var pen = Pen()
            var end = f.columns
            while end > 0 && f[end - 1, y] == .blank { end -= 1 }
            for x in 0..<end { pen.emit(f[x, y], into: &out) }
            pen.reset(into: &out)
            out.byte(0x0A)
        }
        return out.storage
    }

    /// Only the cells that differ from `previous`, each run placed with a
    /// cursor move (CUP, 1-based, offset by `origin`), for redrawing in place.
    public static func diff(from previous: Frame?, to f: Frame, origin: (x: Int, y: Int) = (0, 0)) -> String {
        String(decoding: diffBytes(from: previous, to: f, origin: origin), as: UTF8.self)
    }

    public static func diffBytes(from previous: Frame?, to f: Frame, origin: (x: Int, y: Int) = (0, 0)) -> [UInt8] {
        var out = Bytes(capacity: 256)
        let full = previous == nil || previous!.columns != f.columns || previous!.rows != f.rows
        for y in 0..<f.rows {
            var pen = Pen()
            var cursor = -1  // the column the cursor is at; -1 unknown
            for x in 0..<f.columns where full || previous![x, y] != f[x, y] {
                if cursor != x { out.cursor(row: origin.y + y + 1, column: origin.x + x + 1) }
                pen.emit(f[x, y], into: &out)
                cursor = x + 1
            }
            pen.reset(into: &out)
        }
        return out.storage
    }

    /// The current SGR state of the terminal while writing a line.
    struct Pen {
        var fg: TermColor = .default
        var bg: TermColor = .default

        mutating func emit(_ cell: Cell, into out: inout Bytes) {
            let setFg = cell.fg != nil && cell.fg != fg
            let setBg = cell.bg != bg
            if setFg || setBg {
                out.byte(0x1B)
                out.byte(0x5B)  // ESC [
                if setFg {
                    out.sgr(cell.fg!, foreground: true)
                    fg = cell.fg!
                }
                if setFg && setBg { out.byte(0x3B) }
                if setBg {
                    out.sgr(cell.bg, foreground: false)
                    bg = cell.bg
                }
                out.byte(0x6D)  // m
            }
            out.scalar(cell.glyph)
        }

        mutating func reset(into out: inout Bytes) {
            if fg != .default || bg != .default { out.ascii("\u{1B}[0m") }
            self = Pen()
        }
    }

    /// A growing UTF-8 buffer with number formatting.
    struct Bytes {
        var storage: [UInt8]
        init(capacity: Int) {
            storage = []
            storage.reserveCapacity(capacity)
        }

        @inline(__always) mutating func byte(_ b: UInt8) { storage.append(b) }

        mutating func ascii(_ s: StaticString) {
            s.withUTF8Buffer { storage.append(contentsOf: $0) }
        }

        mutating func number(_ v: Int) {
            if v >= 100 { byte(UInt8(48 + v / 100)) }
            if v >= 10 { byte(UInt8(48 + (v / 10) % 10)) }
            byte(UInt8(48 + v % 10))
        }

        mutating func bigNumber(_ v: Int) {
            if v >= 1000 {
                bigNumber(v / 1000)
                let r = v % 1000
                byte(UInt8(48 + r / 100))
                byte(UInt8(48 + (r / 10) % 10))
                byte(UInt8(48 + r % 10))
            } else {
                number(v)
            }
        }

        mutating func scalar(_ s: Unicode.Scalar) {
            let v = s.value
            switch v {
            case 0..<0x80: byte(UInt8(v))
            case 0x80..<0x800:
                byte(UInt8(0xC0 | (v >> 6)))
                byte(UInt8(0x80 | (v & 0x3F)))
            case 0x800..<0x10000:
                byte(UInt8(0xE0 | (v >> 12)))
                byte(UInt8(0x80 | ((v >> 6) & 0x3F)))
                byte(UInt8(0x80 | (v & 0x3F)))
            default:
                byte(UInt8(0xF0 | (v >> 18)))
                byte(UInt8(0x80 | ((v >> 12) & 0x3F)))
                byte(UInt8(0x80 | ((v >> 6) & 0x3F)))
                byte(UInt8(0x80 | (v & 0x3F)))
            }
        }

        /// SGR parameters for a colour (without ESC [ and m).
        mutating func sgr(_ c: TermColor, foreground: Bool) {
            switch c {
            case .default: number(foreground ? 39 : 49)
            case .rgb(let v):
                number(foreground ? 38 : 48)
                ascii(";2;")
                number(Int(v.r))
                byte(0x3B)
                number(Int(v.g))
                byte(0x3B)
                number(Int(v.b))
            case .index(let i) where i < 8: number((foreground ? 30 : 40) + Int(i))
            case .index(let i) where i < 16: number((foreground ? 90 : 100) + Int(i) - 8)
            case .index(let i):
                number(foreground ? 38 : 48)
                ascii(";5;")
                number(Int(i))
            }
        }

        mutating func cursor(row: Int, column: Int) {
            ascii("\u{1B}[")
            bigNumber(row)
            byte(0x3B)
            bigNumber(column)
            byte(0x48)
        }
    }
}
