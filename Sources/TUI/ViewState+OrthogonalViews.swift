/// The orthogonal views (`o`).
extension ViewState {
    /// yx → zx → zy → yx, where z is the scrub axis of the home view.
    mutating func cycleDisplayedAxes() {
        let (y, x) = (homeAxes[0], homeAxes[1])
        let names = selection.axisNames
        guard let z = names.firstIndex(of: "z") ?? ViewState.freeAxes(selection, channelAxis: channelAxis).last,
            z != y && z != x
        else {
            message = "no third axis for an orthogonal view"
            return
        }
        // The axes leaving the display keep the position the view was centred on.
        selection.indices[selection.rowAxis] = min(max(0, Int(clamping: centre.y)), shape[selection.rowAxis] - 1)
        selection.indices[selection.columnAxis] = min(max(0, Int(clamping: centre.x)), shape[selection.columnAxis] - 1)
        let next: (Int, Int)
        switch (selection.rowAxis, selection.columnAxis) {
        case (y, x): next = (z, x)
        case (z, x): next = (z, y)
        default: next = (y, x)
        }
        (selection.rowAxis, selection.columnAxis) = next
        scrubAxis = [y, x, z].first { $0 != next.0 && $0 != next.1 }!
        scale = nil
        centre = Point(y: Double(shape[next.0]) / 2, x: Double(shape[next.1]) / 2)
        selection.rows = 0..<shape[next.0]
        selection.columns = 0..<shape[next.1]
        message = "showing \(names[next.0])\(names[next.1])"
    }
}
