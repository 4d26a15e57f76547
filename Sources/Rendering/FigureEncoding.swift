import ArrayModel

/// How a figure's picture becomes a PNG: a gray view of one channel without labels is gray, 16-bit
/// when the data has more than 8 bits (the contrast applied to the values themselves, 65536 levels),
/// 8-bit otherwise; anything in colour is 8-bit RGB.
public enum FigureEncoding {
    /// - Parameters:
    ///   - grayView: one layer in the gray colour map, no label overlay.
    ///   - dataType: the drawn plane's type (a filter's float result counts as more than 8 bits).
    public static func png(_ rendered: RenderedPlane, grayView: Bool, dataType: DataType) throws -> [UInt8] {
        let image = rendered.image
        if grayView && dataType.size > 1 {
            let c = rendered.contrast
            let values = image.pixels.map { v -> UInt16 in
                let t = c.normalize(v)
                return t.isNaN ? 0 : UInt16((t * 65535).rounded())
            }
            return try PNGWriter.encodeGray16(width: image.width, height: image.height, values: values)
        }
        return try PNGWriter.encode(width: image.width, height: image.height, rgb: rendered.rgb)
    }
}
