import Rendering

/// The view's geometry: which part of the displayed plane the pane shows, from the scale and the
/// centre (and a start-up `--region`), and the aspect it is drawn with.
extension ViewState {
    /// A data row's height over a column's width on screen: the ratio of the displayed
    /// axes' physical steps when both are known (an ortho view of a 2 µm z over 0.4 µm x is 5).
    public var aspect: Double { physicalAspect ? ChannelLayer.aspect(of: selection, scales: scales) : 1 }

    var height: Int { shape[selection.rowAxis] }
    var width: Int { shape[selection.columnAxis] }

    /// The scale at which the whole plane fits the pane.
    public func fitScale(_ pane: Pane) -> Double {
        max(Double(width) / Double(pane.columns), Double(height) * aspect / Double(2 * pane.rows))
    }

    public func effectiveScale(_ pane: Pane) -> Double { min(scale ?? .infinity, fitScale(pane)) }

    /// Recomputes the visible region for the pane from the scale and centre.
    public mutating func fitRegion(_ pane: Pane) {
        if let start = startRegion {
            let (r, c) = (start[0], start[1])
            startRegion = nil
            let s = max(Double(r.count) * aspect / Double(2 * pane.rows), Double(c.count) / Double(pane.columns))
            scale = s >= fitScale(pane) ? nil : s
            centre = Point(y: Double(r.lowerBound + r.upperBound) / 2, x: Double(c.lowerBound + c.upperBound) / 2)
        }
        let s = effectiveScale(pane)
        // `s` is data columns per screen pixel; a row is `aspect` columns tall.
        let h = max(1, min(height, Int(clamping: (Double(2 * pane.rows) * s / aspect).rounded(.up))))
        let w = max(1, min(width, Int(clamping: (Double(pane.columns) * s).rounded(.up))))
        centre.y = min(max(centre.y, Double(h) / 2), Double(height) - Double(h) / 2)
        centre.x = min(max(centre.x, Double(w) / 2), Double(width) - Double(w) / 2)
        let top = min(max(0, Int(clamping: (centre.y - Double(h) / 2).rounded())), height - h)
        let left = min(max(0, Int(clamping: (centre.x - Double(w) / 2).rounded())), width - w)
        selection.rows = top..<(top + h)
        selection.columns = left..<(left + w)
    }
}
