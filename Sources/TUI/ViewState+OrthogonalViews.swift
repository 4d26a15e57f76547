/// The orthogonal views (`o`): yx → zx → zy → yx, where z is the scrub axis of the home view.
/// Every position survives the cycle: an axis leaving the display keeps its index (or takes the
/// centre of a view zoomed in along it), and each pair of axes gets back the region it showed.
extension ViewState {
    /// A pair of displayed axes (row, column).
    struct DisplayedAxes: Hashable, Sendable {
        let row: Int, column: Int
    }

    /// A view's region while another pair of axes is shown, with the indices its axes had when it
    /// was left: an axis moved meanwhile re-centres the region on its new index.
    struct SavedRegion: Equatable, Sendable {
        var scale: Double?
        var centre: Point
        var rowIndex: Int, columnIndex: Int
    }

    mutating func cycleDisplayedAxes() {
        let (y, x) = (homeAxes[0], homeAxes[1])
        let names = selection.axisNames
        guard let z = names.firstIndex(of: "z") ?? ViewState.freeAxes(selection, channelAxis: channelAxis).last,
            z != y && z != x
        else {
            message = "no third axis for an orthogonal view"
            return
        }
        let (row, column) = (selection.rowAxis, selection.columnAxis)
        // Along an axis the view shows whole, its centre is only the middle of the plane: the index
        // stays. Along an axis zoomed into, the index becomes the position the view is centred on.
        if selection.rows.count < shape[row] {
            selection.indices[row] = min(max(0, Int(clamping: Int(centre.y.rounded(.down)))), shape[row] - 1)
        }
        if selection.columns.count < shape[column] {
            selection.indices[column] = min(max(0, Int(clamping: Int(centre.x.rounded(.down)))), shape[column] - 1)
        }
        savedRegions[DisplayedAxes(row: row, column: column)] = SavedRegion(
            scale: scale, centre: centre, rowIndex: selection.indices[row], columnIndex: selection.indices[column])
        let next: (Int, Int)
        switch (row, column) {
        case (y, x): next = (z, x)
        case (z, x): next = (z, y)
        default: next = (y, x)
        }
        (selection.rowAxis, selection.columnAxis) = next
        scrubAxis = [y, x, z].first { $0 != next.0 && $0 != next.1 }!
        if let saved = savedRegions[DisplayedAxes(row: next.0, column: next.1)] {
            scale = saved.scale
            centre = saved.centre
            if selection.indices[next.0] != saved.rowIndex { centre.y = Double(selection.indices[next.0]) + 0.5 }
            if selection.indices[next.1] != saved.columnIndex { centre.x = Double(selection.indices[next.1]) + 0.5 }
        } else {
            scale = nil
            centre = Point(y: Double(shape[next.0]) / 2, x: Double(shape[next.1]) / 2)
        }
        selection.rows = 0..<shape[next.0]
        selection.columns = 0..<shape[next.1]
        message = "showing \(names[next.0])\(names[next.1])"
    }
}
