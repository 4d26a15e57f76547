import ArrayModel

/// Which multiscale level draws a view, and the view in that level's pixels.
public struct LevelSelection: Sendable {
    public let index: Int
    public let level: PyramidLevel
    /// The view in the level's own pixel coordinates.
    public let view: PlaneSelection

    /// The level for a level-0 `view` drawn into `columns`×`rows` cells: the
    /// coarsest whose pixels are not larger than a screen pixel.
    public init(
        _ levels: [PyramidLevel], view: PlaneSelection, mode: DisplayMode, columns: Int, rows: Int, aspect: Double = 1
    ) {
        self.init(
            levels, view: view,
            pixelSize: mode.pixelSize(
                fitting: view.columns.count, view.rows.count, columns: columns,
                rows: rows, aspect: aspect))
    }

    /// The level for a level-0 `view` drawn as a `pixelSize` picture (a figure's own size).
    public init(_ levels: [PyramidLevel], view: PlaneSelection, pixelSize size: (width: Int, height: Int)) {
        let perPixel = (
            rows: Double(view.rows.count) / Double(size.height),
            columns: Double(view.columns.count) / Double(size.width)
        )
        self.init(
            levels, view: view,
            index: LevelChoice.level(
                levels, rowAxis: view.rowAxis, columnAxis: view.columnAxis,
                dataPerScreenPixel: perPixel))
    }

    /// A given level (0: the view itself).
    public init(_ levels: [PyramidLevel], view: PlaneSelection, index: Int) {
        self.index = index
        level = levels[index]
        self.view = index == 0 ? view : levels[index].selection(for: view)
    }

    /// `L2 1/4` for the status line: the level and its linear factor on the displayed axes.
    public func label(levelCount: Int) -> String? {
        guard levelCount > 1 else { return nil }
        let f = max(level.factors[view.rowAxis], level.factors[view.columnAxis])
        return "L\(index) " + (f <= 1 ? "1:1" : "1/" + (f == f.rounded() ? String(Int(f)) : String(format: "%.3g", f)))
    }
}
