import ArrayModel
import Rendering

/// Builds the whole screen as one frame: image pane, side panel, status line,
/// message line, and the help overlay. Pure; the app diffs consecutive frames.
struct ScreenComposer {
    let columns: Int
    let rows: Int
    let depth: ColorDepth
    /// Draw text in ASCII only (ascii glyphs, as under LANG=C): arrows, `µ`, `…`, `▶`, `·` spelled out.
    var asciiOnly = false

    static let minimumSize = (columns: 20, rows: 6)
    static let panelWidth = 34

    /// The image pane for a screen of this size.
    static func pane(columns: Int, rows: Int, showInfo: Bool) -> ViewState.Pane {
        let side = showInfo && columns >= 60 ? panelWidth + 1 : 0
        return ViewState.Pane(columns: columns - side, rows: rows - 2)
    }

    var tooSmall: Bool { columns < ScreenComposer.minimumSize.columns || rows < ScreenComposer.minimumSize.rows }

    private var colored: Bool { depth != .none }
    private var statusColors: (TermColor, TermColor) { colored ? (.index(252), .index(236)) : (.default, .default) }
    private var dimColor: TermColor { colored ? .index(240) : .default }
    private var errorColor: TermColor { colored ? .index(196) : .default }

    func blank() -> Frame { Frame(columns: columns, rows: rows) }

    /// "terminal too small" in the middle of an otherwise empty screen.
    /// The longest wording that fits whole, so the size needed always shows.
    func tooSmallScreen() -> Frame {
        var f = blank()
        let size = "\(ScreenComposer.minimumSize.columns)x\(ScreenComposer.minimumSize.rows)"
        let text =
            ["vstack: enlarge to \(size)", "enlarge to \(size)", "need \(size)", size].first { $0.count <= columns }
            ?? ""
        put(&f, text, x: 0, y: rows / 2, fg: .default, bg: .default)
        return f
    }

    /// Copies the rendered image into the pane, dims loading parts and marks failed ones.
    func image(
        _ into: inout Frame, _ picture: Frame, mapping: CellMapping, missing: [(Range<Int>, Range<Int>)],
        failed: [(Range<Int>, Range<Int>)]
    ) {
        let used = mapping.usedCells
        for y in 0..<min(picture.rows, used.rows) where mapping.origin.y + y < rows {
            for x in 0..<min(picture.columns, used.columns) where mapping.origin.x + x < columns {
                into[mapping.origin.x + x, mapping.origin.y + y] = picture[x, y]
            }
        }
        for (r, c) in missing {
            for (x, y) in mapping.cells(rows: r, columns: c) where x < columns && y < rows {
                into[x, y] = Cell(mapping.unicode ? "\u{2591}" : ":", fg: dimColor, bg: .default)
            }
        }
        for (r, c) in failed {
            for (x, y) in mapping.cells(rows: r, columns: c) where x < columns && y < rows {
                into[x, y] = Cell(depth == .none || !mapping.unicode ? "x" : "\u{2573}", fg: errorColor, bg: .default)
            }
        }
    }

    /// The probe cursor: a `+` on a dark cell, so it shows over any picture.
    func probeMarker(_ f: inout Frame, _ cell: (x: Int, y: Int)) {
        guard cell.x >= 0, cell.y >= 0, cell.x < columns, cell.y < rows - 2 else { return }
        f[cell.x, cell.y] = colored ? Cell("+", fg: .index(15), bg: .index(0)) : Cell("+", fg: .default, bg: .default)
    }

    /// Where in the plane the pane is, when zoomed in: a small map of the whole plane in the
    /// pane's top-right corner (its shape the plane's, cells counted two rows to a column's
    /// width), the part shown filled. Nothing on panes too small to spare the corner.
    func overview(
        _ f: inout Frame, pane: ViewState.Pane, plane: (rows: Int, columns: Int),
        shown: (rows: Range<Int>, columns: Range<Int>), unicode: Bool
    ) {
        guard pane.columns >= 40, pane.rows >= 12, plane.rows > 0, plane.columns > 0,
            shown.rows.count < plane.rows || shown.columns.count < plane.columns
        else { return }
        let (w, h) = ScreenComposer.overviewSize(
            plane: plane, maxColumns: min(20, pane.columns / 4), maxRows: min(8, pane.rows / 3))
        let x0 = pane.columns - w, y0 = 0
        func cell(_ v: Int, _ n: Int, _ cells: Int) -> Int { min(cells - 1, max(0, v * cells / n)) }
        let (r0, r1) = (cell(shown.rows.lowerBound, plane.rows, h), cell(shown.rows.upperBound - 1, plane.rows, h))
        let (c0, c1) = (
            cell(shown.columns.lowerBound, plane.columns, w), cell(shown.columns.upperBound - 1, plane.columns, w)
        )
        let (fg, bg) = statusColors
        let (plain, view): (Unicode.Scalar, Unicode.Scalar) = unicode ? ("\u{00B7}", "\u{2588}") : (".", "#")
        for y in 0..<h {
            for x in 0..<w {
                let inside = (r0...r1).contains(y) && (c0...c1).contains(x)
                f[x0 + x, y0 + y] = Cell(inside ? view : plain, fg: fg, bg: bg)
            }
        }
    }

    /// The overview's size in cells: the plane's aspect (a cell is about twice as tall as wide),
    /// within the bounds, at least 4×2.
    static func overviewSize(plane: (rows: Int, columns: Int), maxColumns: Int, maxRows: Int) -> (Int, Int) {
        let aspect = Double(plane.rows) / Double(plane.columns) / 2  // rows of cells per column of cells
        var w = max(4, maxColumns)
        var h = Int((Double(w) * aspect).rounded())
        if h > maxRows {
            h = max(2, maxRows)
            w = max(4, min(maxColumns, Int((Double(h) / aspect).rounded())))
        }
        return (w, max(2, min(h, max(2, maxRows))))
    }

    func statusLine(_ f: inout Frame, _ text: String) {
        let (fg, bg) = statusColors
        put(&f, text.padding(columns), x: 0, y: rows - 2, fg: fg, bg: bg)
    }

    func messageLine(_ f: inout Frame, _ text: String, isError: Bool) {
        put(
            &f, ScreenComposer.wordFit(text, columns).padding(columns), x: 0, y: rows - 1,
            fg: isError ? errorColor : .default, bg: .default)
    }

    /// `text` within `columns`: whole, or cut after its last whole word with `…` (never mid-word).
    static func wordFit(_ text: String, _ columns: Int) -> String {
        guard text.count > columns else { return text }
        guard columns > 1 else { return "" }
        let head = text.prefix(columns - 1)
        guard let space = head.lastIndex(of: " ") else { return "" }
        return String(String(head[..<space]).reversed().drop { $0 == " " }.reversed()) + "\u{2026}"
    }

    /// An open prompt: its label and text, the selected pre-filled text in reverse video,
    /// and the cursor as `_` at the end or a reversed cell within the text.
    func promptLine(_ f: inout Frame, label: String, text: String, cursor: Int, selected: Bool) {
        // Not word-fitted: the typed text shows as it is, up to the edge.
        put(
            &f, (label + text + (cursor >= text.count ? "_" : "")).padding(columns), x: 0, y: rows - 1,
            fg: .default, bg: .default)
        let (fg, bg) = colored ? (TermColor.index(0), TermColor.index(252)) : (.default, .default)
        let start = label.unicodeScalars.count
        let reversed = selected ? 0..<text.count : cursor < text.count ? cursor..<(cursor + 1) : 0..<0
        for (i, ch) in text.enumerated() where reversed.contains(i) && start + i < columns {
            if let scalar = ch.unicodeScalars.first { f[start + i, rows - 1] = Cell(scalar, fg: fg, bg: bg) }
        }
    }

    /// The side panel (`i`): lines of text right of the image.
    func panel(_ f: inout Frame, _ lines: [String]) {
        let x0 = columns - ScreenComposer.panelWidth
        guard x0 > 0 else { return }
        for y in 0..<(rows - 2) {
            f[x0 - 1, y] = Cell(colored ? "\u{2502}" : "|", fg: dimColor, bg: .default)
            put(
                &f, (y < lines.count ? lines[y] : "").padding(ScreenComposer.panelWidth), x: x0, y: y, fg: .default,
                bg: .default)
        }
    }

    /// How the key table is laid out on this screen: lines per column, columns per page, pages.
    func helpLayout(_ lines: [String]) -> (perColumn: Int, columnsPerPage: Int, pages: Int) {
        let perColumn = max(1, min(lines.count, rows - 4))
        let columnWidth = (lines.map(\.count).max() ?? 0) + 3
        let columnsPerPage = max(1, (columns - 4) / max(1, columnWidth))
        let perPage = perColumn * columnsPerPage
        return (perColumn, columnsPerPage, max(1, (lines.count + perPage - 1) / perPage))
    }

    func helpPageCount(_ lines: [String]) -> Int { helpLayout(lines).pages }

    /// The key table in a box in the middle of the screen, in as many columns as fit the
    /// width; when even they do not hold every key (80×24), in pages that space turns.
    func helpOverlay(_ f: inout Frame, _ lines: [String], page: Int = 0, unicode: Bool) {
        let (perColumn, columnsPerPage, pages) = helpLayout(lines)
        let page = min(max(0, page), pages - 1)
        let shown = Array(lines.dropFirst(page * perColumn * columnsPerPage).prefix(perColumn * columnsPerPage))
        let title =
            pages > 1
            ? " vstack keys \(page + 1)/\(pages) (space: more, any other key closes) "
            : " vstack keys (any key closes) "
        let columnWidth = (lines.map(\.count).max() ?? 0) + 3
        let height = min(rows - 2, min(perColumn, shown.count) + 2)
        var body = [String](repeating: "", count: max(1, height - 2))
        for (i, line) in shown.enumerated() {
            body[i % body.count] += line.padding(columnWidth)
        }
        let width = min(columns, max(title.count + 2, (body.map(\.count).max() ?? 0) + 2))
        let x0 = max(0, (columns - width) / 2), y0 = max(0, (rows - 2 - height) / 2)
        let (fg, bg) = statusColors
        let edge = unicode ? "\u{2500}" : "-"
        for y in 0..<height {
            let text: String
            if y == 0 {
                text = String((edge + title + String(repeating: edge, count: width)).prefix(width))
            } else if y == height - 1 {
                text = String(repeating: edge, count: width)
            } else {
                text = ("  " + body[y - 1]).padding(width)
            }
            put(&f, text, x: x0, y: y0 + y, fg: fg, bg: bg)
        }
    }

    func put(_ f: inout Frame, _ text: String, x: Int, y: Int, fg: TermColor, bg: TermColor) {
        guard y >= 0 && y < rows else { return }
        var cx = x
        let text = asciiOnly ? ScreenComposer.ascii(text) : text
        for scalar in text.unicodeScalars where cx < columns {
            if cx >= 0 { f[cx, y] = Cell(scalar, fg: fg, bg: bg) }
            cx += 1
        }
    }
}

extension ScreenComposer {
    /// The text with every non-ASCII character in ASCII: the ones vstack writes spelled the
    /// way a plain terminal shows them, anything else (a channel name, a path) as `?`.
    static func ascii(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { !$0.isASCII }) else { return text }
        let spelled: [Unicode.Scalar: String] = [
            "\u{2191}": "^", "\u{2193}": "v", "\u{2190}": "<", "\u{2192}": ">", "\u{00B5}": "u", "\u{03BC}": "u",
            "\u{2026}": "...", "\u{25B6}": ">", "\u{00B7}": ".", "\u{2500}": "-", "\u{00D7}": "x", "\u{2013}": "-",
            "\u{2014}": "-", "\u{2212}": "-", "\u{00B2}": "2", "\u{00B3}": "3", "\u{00B0}": "deg", "\u{2588}": "#",
            "\u{2591}": ":", "\u{2573}": "x", "\u{00C5}": "A",
        ]
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.isASCII { out.unicodeScalars.append(scalar) } else { out += spelled[scalar] ?? "?" }
        }
        return out
    }
}

/// Where plane pixels land on the screen, for placeholders and the probe.
struct CellMapping {
    /// The displayed region size in data pixels and the picture in screen pixels.
    let regionRows: Int, regionColumns: Int
    let pixelWidth: Int, pixelHeight: Int
    let mode: DisplayMode
    /// The picture's top-left cell in the pane (it is centred there).
    var origin = (x: 0, y: 0)
    var unicode: Bool { mode != .ascii }

    /// Cells the picture covers.
    var usedCells: (columns: Int, rows: Int) {
        let (px, py) = mode.pixelsPerCell
        return ((pixelWidth + px - 1) / px, (pixelHeight + py - 1) / py)
    }

    /// The top-left cell that centres a picture of `used` cells in `pane`.
    static func centred(_ used: (columns: Int, rows: Int), in pane: ViewState.Pane) -> (x: Int, y: Int) {
        (max(0, (pane.columns - used.columns) / 2), max(0, (pane.rows - used.rows) / 2))
    }

    /// Cells covering plane rows/columns (relative to the displayed region).
    func cells(rows: Range<Int>, columns: Range<Int>) -> [(Int, Int)] {
        let (px, py) = mode.pixelsPerCell
        func span(_ r: Range<Int>, _ n: Int, _ pixels: Int, _ per: Int) -> Range<Int> {
            let lo = r.lowerBound * pixels / n / per
            let hi = ((r.upperBound * pixels + n - 1) / n + per - 1) / per
            return lo..<max(lo + 1, hi)
        }
        let ys = span(rows, regionRows, pixelHeight, py), xs = span(columns, regionColumns, pixelWidth, px)
        return ys.flatMap { y in xs.map { x in (origin.x + x, origin.y + y) } }
    }

    /// The plane pixel under a cell (relative to the displayed region).
    func pixel(cellX: Int, cellY: Int) -> (row: Int, column: Int)? {
        let (px, py) = mode.pixelsPerCell
        let sx = (cellX - origin.x) * px, sy = (cellY - origin.y) * py
        guard sx >= 0, sy >= 0, sx < pixelWidth, sy < pixelHeight else { return nil }
        return (sy * regionRows / pixelHeight, sx * regionColumns / pixelWidth)
    }
}

extension String {
    /// Cut or padded with spaces to exactly `n` characters.
    func padding(_ n: Int) -> String {
        count >= n ? String(prefix(n)) : self + String(repeating: " ", count: n - count)
    }
}
