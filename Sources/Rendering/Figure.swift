import ArrayModel

/// A figure: the shown region as a PNG at data resolution (`render -o FILE.png`, `s` in the viewer),
/// rather than at the screen's.
public enum Figure {
    /// A figure's longer side may be at most this many pixels: a larger one (a 16384² plane is
    /// 768 MiB of RGB) is refused with the `--scale` that fits, never written silently.
    public static let maxSide = 8192

    /// One image pixel per data pixel of the level-0 region (times `scale`); rows are stretched
    /// by `aspect` (a 2 µm z step over 0.4 µm pixels is 5), so the figure has physical proportions.
    public static func size(rows: Int, columns: Int, aspect: Double, scale: Double = 1) -> (width: Int, height: Int) {
        let a = aspect.isFinite && aspect > 0 ? aspect : 1
        let w = Double(max(columns, 1)) * scale, h = Double(max(rows, 1)) * a * scale
        return (max(1, Int(clamping: w.rounded())), max(1, Int(clamping: h.rounded())))
    }

    /// The largest scale, at most `scale`, whose figure fits `maxSide` (a power of two below 1, so
    /// pixels stay whole blocks of data pixels).
    public static func fittingScale(rows: Int, columns: Int, aspect: Double, scale: Double = 1) -> Double {
        var s = scale
        while s > 1e-6 {
            let size = size(rows: rows, columns: columns, aspect: aspect, scale: s)
            if max(size.width, size.height) <= maxSide { return s }
            s /= 2
        }
        return s
    }

    /// Bytes a figure takes while it is drawn and encoded, per picture pixel and layer, as measured
    /// (`render --scale` of a 16384² plane at 2048² and 4096²: 38): a reduction's sums and counts,
    /// the plane, the screen values and the blend, the colours, the encoded samples and the PNG rows.
    public static let bytesPerPixel = 40

    /// The largest power-of-two scale, at most `scale`, whose figure fits `maxSide` and whose
    /// drawing takes at most `memory` bytes (`layers` channels blended).
    public static func fittingScale(
        rows: Int, columns: Int, aspect: Double, layers: Int, memory: Int, scale: Double = 1
    ) -> Double {
        var s = fittingScale(rows: rows, columns: columns, aspect: aspect, scale: scale)
        while s > 1e-6 {
            let size = size(rows: rows, columns: columns, aspect: aspect, scale: s)
            if size.width * size.height * bytesPerPixel * max(1, layers) <= memory { return s }
            s /= 2
        }
        return s
    }

    /// Why a figure of this size is not written (nil: it fits): its size and the `--scale` that fits.
    public static func refusal(rows: Int, columns: Int, aspect: Double, scale: Double = 1) -> String? {
        let size = size(rows: rows, columns: columns, aspect: aspect, scale: scale)
        guard max(size.width, size.height) > maxSide else { return nil }
        let fits = fittingScale(rows: rows, columns: columns, aspect: aspect, scale: scale)
        return
            "a \(size.width)x\(size.height) figure is over \(maxSide) pixels a side: give --scale \(fits) (or a smaller --region)"
    }
}
