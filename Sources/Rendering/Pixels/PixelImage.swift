/// An 8-bit RGB picture at the terminal's own pixel resolution (or a figure's), row-major:
/// what the pixel encoders (kitty, sixel, iTerm2) and the PNG writer take.
public struct PixelImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var pixels: [RGB]

    public init(width: Int, height: Int, pixels: [RGB]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height)
        (self.width, self.height, self.pixels) = (width, height, pixels)
    }

    public subscript(x: Int, y: Int) -> RGB {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }

    /// Rows `rows` alone (for sending the changed band of a frame).
    public func rows(_ rows: Range<Int>) -> PixelImage {
        PixelImage(
            width: width, height: rows.count, pixels: Array(pixels[rows.lowerBound * width..<rows.upperBound * width]))
    }

    /// The rows that differ from `other` (same size), nil when none does.
    public func changedRows(from other: PixelImage) -> Range<Int>? {
        precondition(width == other.width && height == other.height)
        func same(_ y: Int) -> Bool { pixels[y * width..<(y + 1) * width] == other.pixels[y * width..<(y + 1) * width] }
        guard let first = (0..<height).first(where: { !same($0) }) else { return nil }
        let last = (first..<height).last(where: { !same($0) })!
        return first..<(last + 1)
    }

    /// Box-averaged to `w`×`h` (at most the picture's size): a smaller picture for a slow link,
    /// which the terminal scales back up to the same cells.
    public func reduced(width w: Int, height h: Int) -> PixelImage {
        let w = min(max(w, 1), width), h = min(max(h, 1), height)
        var out = [RGB](repeating: .black, count: w * h)
        for j in 0..<h {
            let y0 = j * height / h, y1 = max(y0 + 1, (j + 1) * height / h)
            for i in 0..<w {
                let x0 = i * width / w, x1 = max(x0 + 1, (i + 1) * width / w)
                var r = 0, g = 0, b = 0
                for y in y0..<y1 {
                    for x in x0..<x1 {
                        let c = pixels[y * width + x]
                        r += Int(c.r)
                        g += Int(c.g)
                        b += Int(c.b)
                    }
                }
                let n = (y1 - y0) * (x1 - x0)
                out[j * w + i] = RGB(UInt8((r + n / 2) / n), UInt8((g + n / 2) / n), UInt8((b + n / 2) / n))
            }
        }
        return PixelImage(width: w, height: h, pixels: out)
    }

    /// The pixels as packed RGB bytes (3 a pixel), as kitty's `f=24` and PNG rows take them.
    public var rgbBytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: pixels.count * 3)
        out.withUnsafeMutableBufferPointer { o in
            pixels.withUnsafeBufferPointer { p in
                for i in p.indices {
                    o[3 * i] = p[i].r
                    o[3 * i + 1] = p[i].g
                    o[3 * i + 2] = p[i].b
                }
            }
        }
        return out
    }
}
