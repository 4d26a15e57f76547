/// A terminal protocol that shows real pixels in the image pane (SPEC §5).
public enum PixelProtocol: String, Sendable, CaseIterable {
    /// The kitty graphics protocol (kitty, WezTerm, Ghostty, Konsole).
    case kitty
    /// DEC sixel graphics (foot, WezTerm, iTerm2, Konsole, Windows Terminal, xterm -ti vt340).
    case sixel
    /// iTerm2's inline images (OSC 1337 File=).
    case iterm
}

/// A terminal cell's size in screen pixels.
public struct CellSize: Hashable, Sendable, CustomStringConvertible {
    public var width: Int, height: Int
    public init(_ width: Int, _ height: Int) { (self.width, self.height) = (width, height) }

    /// What `--cell-size` defaults to when the terminal does not say.
    public static let fallback = CellSize(10, 20)

    /// `10x20`; nil unless both are in 1…512.
    public init?(parsing text: String) {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), (1...512).contains(w),
            (1...512).contains(h)
        else { return nil }
        self.init(w, h)
    }

    public var description: String { "\(width)x\(height)" }
}

/// How the image pane is drawn: glyphs coloured by SGR, or real pixels through a graphics protocol.
public enum DisplayMode: Hashable, Sendable, CustomStringConvertible {
    case glyphs(GlyphMode)
    case pixels(PixelProtocol, cell: CellSize)

    public static let half = DisplayMode.glyphs(.half)
    public static let quad = DisplayMode.glyphs(.quad)
    public static let braille = DisplayMode.glyphs(.braille)
    public static let ascii = DisplayMode.glyphs(.ascii)

    /// The name `--mode` takes and the status line shows.
    public var name: String {
        switch self {
        case .glyphs(let g): g.rawValue
        case .pixels(let p, _): p.rawValue
        }
    }
    public var description: String { name }

    /// The pixel protocol, when the mode draws real pixels.
    public var pixelProtocol: PixelProtocol? {
        if case .pixels(let p, _) = self { return p }
        return nil
    }

    /// Screen pixels a cell holds across and down.
    public var pixelsPerCell: (x: Int, y: Int) {
        switch self {
        case .glyphs(let g): g.pixelsPerCell
        case .pixels(_, let cell): (cell.width, cell.height)
        }
    }

    /// The largest picture a pixel mode draws, per side: a bigger pane is drawn at this size
    /// (a 4K screen is 3840 wide), so a frame's cost stays bounded whatever the terminal claims.
    public static let maxPixelSide = 4096

    /// Screen-pixel size for a data region of `width`×`height` drawn into at most `columns`×`rows`
    /// cells with square data pixels (stretched by `aspect`, a row's height over a column's width).
    public func pixelSize(
        fitting width: Int, _ height: Int, columns: Int, rows: Int, aspect: Double = 1
    ) -> (width: Int, height: Int) {
        switch self {
        case .glyphs(let g):
            return g.pixelSize(fitting: width, height, columns: columns, rows: rows, aspect: aspect)
        case .pixels(_, let cell):
            let tall = Double(max(height, 1)) * (aspect.isFinite && aspect > 0 ? aspect : 1)
            let paneW = min(columns * cell.width, DisplayMode.maxPixelSide)
            let paneH = min(rows * cell.height, DisplayMode.maxPixelSide)
            let scale = min(Double(paneW) / Double(max(width, 1)), Double(paneH) / tall)
            let w = Int(clamping: (Double(max(width, 1)) * scale).rounded())
            let h = Int(clamping: (tall * scale).rounded())
            return (min(max(w, 1), paneW), min(max(h, 1), paneH))
        }
    }

    /// Parses `--mode`: a glyph mode or a pixel protocol (drawn with cells of `cell`).
    public init?(name: String, cell: CellSize) {
        if let g = GlyphMode(rawValue: name) {
            self = .glyphs(g)
            return
        }
        if let p = PixelProtocol(rawValue: name) {
            self = .pixels(p, cell: cell)
            return
        }
        return nil
    }
}
