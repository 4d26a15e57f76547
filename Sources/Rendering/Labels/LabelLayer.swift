import ArrayModel

/// A label image shown over an image: the array (or pyramid) of ids, how it
/// lines up with the image, and how it is drawn. Both `render` and the viewer
/// use it to find which label level and region a view needs.
public struct LabelLayer: Sendable {
    public let array: LazyArray
    /// How the layer is called in the status line and `info` (`cells`, or the path's last part).
    public let name: String
    public let alignment: LabelAlignment
    public var opacity: Double = LabelOverlay.defaultOpacity
    public var style: LabelStyle = .fill
    public var sampling: LabelSampling = .mode

    /// - Parameter imageNames: the image's axis names as shown (after `--axes`).
    public init(_ array: LazyArray, name: String, image: ArrayMetadata, imageNames: [String]) throws {
        self.array = array
        self.name = name
        alignment = try LabelAlignment(
            image: image, imageNames: imageNames, labels: array.metadata, what: array.metadata.location)
    }

    public var pyramid: [PyramidLevel] { array.pyramid }
    /// Whether ids are signed (for the probe's text).
    public var signedIDs: Bool { array.metadata.dataType.isSigned }

    /// The label level and view (in that level's pixels) behind a level-0 image view drawn at
    /// `width`×`height` screen pixels: the coarsest level whose pixels are not larger than a
    /// screen pixel; nil when the labels have no counterpart for the displayed axes.
    public func source(for imageView: PlaneSelection, width: Int, height: Int) -> LevelSelection? {
        guard let view = alignment.view(for: imageView) else { return nil }
        let levels = pyramid
        let perPixel = (
            rows: Double(view.rows.count) / Double(max(1, height)),
            columns: Double(view.columns.count) / Double(max(1, width))
        )
        let index = LevelChoice.level(
            levels, rowAxis: view.rowAxis, columnAxis: view.columnAxis, dataPerScreenPixel: perPixel)
        return LevelSelection(levels, view: view, index: index)
    }

    /// Which label pixels a `source` view drawn at `width`×`height` screen pixels reads: every
    /// `step`-th along rows and columns. 1 while a screen pixel covers fewer than 16 label
    /// pixels along either axis; beyond that, at least 8 along each (the block's mode is then
    /// over those samples, which are still the block's own ids); and never a plane of more than
    /// `maxBytes`, so a huge label plane without a pyramid is never assembled whole.
    public func step(for source: LevelSelection, width: Int, height: Int, maxBytes: Int = 32 << 20) -> Int {
        let (rows, columns) = (source.view.rows.count, source.view.columns.count)
        var step = max(1, min(rows / max(1, height), columns / max(1, width)) / 8)
        let size = source.level.array.metadata.dataType.size
        while (rows / step) * (columns / step) * size > maxBytes { step += 1 }
        return step
    }

    /// The overlay that draws `plane` (the ids of a `source` view).
    public func overlay(_ plane: ArrayBuffer) -> LabelOverlay {
        LabelOverlay(
            plane: plane, colors: array.metadata.labelColors ?? [:], opacity: opacity, style: style, sampling: sampling)
    }
}
