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
        PixelImage(width: width, height: rows.count, pixels: Array(pixels[rows.lowerBound * width..<rows.upperBound * width]))
    }

    /// The pixels as packed RGB bytes (3 a pixel), as kitty's `f=24` and PNG rows take them.
    public var rgbBytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: pixels.count * 3)
        out.withUnsafeMutableBufferPointer { o in
            pixels.withUnsafeBufferPointer { p in
                for i in p.indices { o[3 * i] = p[i].r; o[3 * i + 1] = p[i].g; o[3 * i + 2] = p[i].b }
            }
        }
        return out
    }
}
