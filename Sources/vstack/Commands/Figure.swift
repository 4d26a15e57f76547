import ArrayModel

/// A figure: the shown region as a PNG at data resolution (`render -o FILE.png`, `s` in the viewer),
/// rather than at the screen's.
enum Figure {
    /// The longer side of a figure is held to this many pixels (a 60000² plane is reduced).
    static let maxSide = 8192

    /// One image pixel per data pixel of the level-0 region (times `scale`); rows are stretched
    /// by `aspect` (a 2 µm z step over 0.4 µm pixels is 5), so the figure has physical proportions.
    static func size(rows: Int, columns: Int, aspect: Double, scale: Double = 1) -> (width: Int, height: Int) {
        let a = aspect.isFinite && aspect > 0 ? aspect : 1
        var w = Double(max(columns, 1)) * scale, h = Double(max(rows, 1)) * a * scale
        let longest = max(w, h)
        if longest > Double(maxSide) {
            w *= Double(maxSide) / longest
            h *= Double(maxSide) / longest
        }
        return (max(1, Int(clamping: w.rounded())), max(1, Int(clamping: h.rounded())))
    }
}
