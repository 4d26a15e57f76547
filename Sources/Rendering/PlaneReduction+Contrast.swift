import ArrayModel

extension PlaneReduction {
    /// Auto contrast: the view's 0.5/99.5 percentiles (every pixel, for 8/16-bit data; else the reduced image's).
    public func autoContrast() -> Contrast {
        if let (counts, offset) = histogram { return Contrast.auto(histogram: counts, offset: offset) }
        return Contrast.auto(image().image.pixels)
    }
}
