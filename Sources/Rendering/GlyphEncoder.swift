import ArrayModel

/// How pixels become glyphs (SPEC §1 `--mode`).
public enum GlyphMode: String, Sendable, CaseIterable {
    /// `▀`: foreground = top pixel, background = bottom pixel. Square pixels.
    case half
    /// 2×2 quadrant glyphs with the best two colours a cell.
    case quad
    /// 2×4 braille dots, on where the value reaches mid-contrast (masks).
    case braille
    /// A density ramp, one pixel a cell (the only mode without UTF-8).
    case ascii

    /// Pixels a cell holds across and down.
    public var pixelsPerCell: (x: Int, y: Int) {
        switch self {
        case .half: (1, 2)
        case .quad: (2, 2)
        case .braille: (2, 4)
        case .ascii: (1, 1)
        }
    }

    /// Screen-pixel size for a data region of `width`×`height` pixels drawn into at
    /// most `columns`×`rows` cells, keeping data pixels square on a terminal whose
    /// cells are twice as tall as wide.
    /// - Parameter aspect: the height of a data row in units of a column's width (a 2 µm z step
    ///   over 0.4 µm x pixels is 5); 1 keeps data pixels square.
    public func pixelSize(
        fitting width: Int, _ height: Int, columns: Int, rows: Int, aspect: Double = 1
    ) -> (width: Int, height: Int) {
        let (px, py) = pixelsPerCell
        let tall = Double(height) * (aspect.isFinite && aspect > 0 ? aspect : 1)
        // Terminal units: a cell is 1 wide and 2 tall.
        let scale = min(Double(columns) / Double(width), 2 * Double(rows) / tall)
        let w = Int(clamping: (Double(width) * scale * Double(px)).rounded())
        let h = Int(clamping: (tall * scale * Double(py) / 2).rounded())
        return (min(max(w, 1), columns * px), min(max(h, 1), rows * py))
    }

    static let asciiRamp: [Unicode.Scalar] = [" ", ".", ":", "-", "=", "+", "*", "#", "%", "@"]
    static let quadrants: [Unicode.Scalar] = [
        " ", "\u{2598}", "\u{259D}", "\u{2580}", "\u{2596}", "\u{258C}", "\u{259E}", "\u{259B}",
        "\u{2597}", "\u{259A}", "\u{2590}", "\u{259C}", "\u{2584}", "\u{2599}", "\u{259F}", "\u{2588}",
    ]
}

/// Turns a normalised image (values 0…1, NaN allowed) into a frame.
public struct GlyphEncoder: Sendable {
    public var mode: GlyphMode
    public var depth: ColorDepth
    public var colorMap: ColorMap

    /// Braille dots coloured by the mean colour of the lit pixels (labels drawn over the picture)
    /// instead of the colour map at their mean value.
    public var dotsTakePixelColors = false

    public init(mode: GlyphMode, depth: ColorDepth, colorMap: ColorMap) {
        (self.mode, self.depth, self.colorMap) = (mode, depth, colorMap)
    }

    /// `image` holds normalised values; `rgb` the colours of the same pixels.
    public func encode(_ image: FloatImage, rgb: [RGB], columns: Int, rows: Int) -> Frame {
        var frame = Frame(columns: columns, rows: rows)
        let (px, py) = mode.pixelsPerCell
        let usedColumns = min(columns, (image.width + px - 1) / px)
        let usedRows = min(rows, (image.height + py - 1) / py)
        func pixel(_ x: Int, _ y: Int) -> Int? { x < image.width && y < image.height ? y * image.width + x : nil }
        for cy in 0..<usedRows {
            for cx in 0..<usedColumns {
                switch mode {
                case .half:
                    let top = pixel(cx, 2 * cy).map { depth.quantize(rgb[$0]) } ?? .default
                    let bottom = pixel(cx, 2 * cy + 1).map { depth.quantize(rgb[$0]) } ?? .default
                    frame[cx, cy] = top == bottom ? Cell(" ", fg: nil, bg: top) : Cell("\u{2580}", fg: top, bg: bottom)
                case .ascii:
                    guard let p = pixel(cx, cy) else { continue }
                    let v = image.pixels[p]
                    let level =
                        v.isNaN
                        ? 0 : Int(clamping: (min(max(v, 0), 1) * Float(GlyphMode.asciiRamp.count - 1)).rounded())
                    let glyph = v.isNaN ? "?" : GlyphMode.asciiRamp[level]
                    frame[cx, cy] = Cell(
                        glyph, fg: glyph == " " || depth == .none ? nil : depth.quantize(rgb[p]), bg: .default)
                case .quad:
                    frame[cx, cy] = quadCell(cx, cy, rgb: rgb, pixel: pixel)
                case .braille:
                    frame[cx, cy] = brailleCell(cx, cy, image: image, rgb: rgb, pixel: pixel)
                }
            }
        }
        return frame
    }

    /// Tries the 7 ways to split the 4 pixels into two groups and keeps the one
    /// whose two mean colours are closest to the pixels.
    private func quadCell(_ cx: Int, _ cy: Int, rgb: [RGB], pixel: (Int, Int) -> Int?) -> Cell {
        let idx = [
            pixel(2 * cx, 2 * cy), pixel(2 * cx + 1, 2 * cy), pixel(2 * cx, 2 * cy + 1), pixel(2 * cx + 1, 2 * cy + 1),
        ]
        let colors: [RGB?] = idx.map { $0.map { rgb[$0] } }
        var best = (mask: 0, error: Int.max, fg: RGB.black, bg: RGB.black)
        for mask in 0..<8 {  // bit 3 (bottom right) always in the background group
            var sums = [[Int]](repeating: [0, 0, 0, 0], count: 2)
            for k in 0..<4 {
                if let c = colors[k] {
                    let g = (mask >> k) & 1
                    sums[g][0] += Int(c.r)
                    sums[g][1] += Int(c.g)
                    sums[g][2] += Int(c.b)
                    sums[g][3] += 1
                }
            }
            let means = sums.map { s in
                s[3] == 0 ? RGB.black : RGB(UInt8(s[0] / s[3]), UInt8(s[1] / s[3]), UInt8(s[2] / s[3]))
            }
            var error = 0
            for k in 0..<4 { if let c = colors[k] { error += c.distance2(means[(mask >> k) & 1]) } }
            if error < best.error { best = (mask, error, means[1], means[0]) }
        }
        // Pixels past the image edge belong to neither group.
        let fg = depth.quantize(best.fg), bg = depth.quantize(best.bg)
        if best.mask == 0 || fg == bg { return Cell(" ", fg: nil, bg: bg) }
        return Cell(GlyphMode.quadrants[best.mask], fg: fg, bg: bg)
    }

    /// Dots on where the normalised value is ≥ 0.5; coloured by the mean of the lit pixels.
    private func brailleCell(_ cx: Int, _ cy: Int, image: FloatImage, rgb: [RGB], pixel: (Int, Int) -> Int?) -> Cell {
        // Dot bit for (column, row) within the 2×4 cell (Unicode braille numbering).
        let bits: [[UInt32]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]
        var code: UInt32 = 0
        var sum: Float = 0, lit = 0
        var colors = (0, 0, 0)
        for dx in 0..<2 {
            for dy in 0..<4 {
                guard let p = pixel(2 * cx + dx, 4 * cy + dy) else { continue }
                let v = image.pixels[p]
                if v >= 0.5 {
                    code |= bits[dx][dy]
                    sum += v
                    lit += 1
                    colors.0 += Int(rgb[p].r)
                    colors.1 += Int(rgb[p].g)
                    colors.2 += Int(rgb[p].b)
                }
            }
        }
        if code == 0 { return .blank }
        if dotsTakePixelColors {
            let mean = RGB(UInt8(colors.0 / lit), UInt8(colors.1 / lit), UInt8(colors.2 / lit))
            return Cell(Unicode.Scalar(0x2800 + code)!, fg: depth.quantize(mean), bg: .default)
        }
        return Cell(Unicode.Scalar(0x2800 + code)!, fg: depth.quantize(colorMap.color(sum / Float(lit))), bg: .default)
    }
}
