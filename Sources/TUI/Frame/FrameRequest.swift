import ArrayModel
import Processing
import Rendering

/// What one frame shows, as a value and nothing more (napari's slice request): the views,
/// the picture's size and look, the filters, the label image and the probe. The viewer makes
/// one from its `ViewState` and pane every frame; `render` and `s` make one from a command line
/// or a state, with the figure's own size.
public struct FrameRequest: Equatable, Sendable {
    /// How big the picture is: fitted to a pane of cells (the viewer, `render --size`), or a
    /// figure's pixels (`render -o FILE.png`, `s`).
    public enum Size: Equatable, Sendable {
        case cells(columns: Int, rows: Int)
        case pixels(width: Int, height: Int)
    }

    /// The planes in level-0 coordinates: one, or every channel of a composite.
    public var views: [PlaneSelection]
    public var channelAxis: Int?
    public var size: Size
    public var mode: DisplayMode
    /// Rows per column of a data pixel on screen (physical aspect), 1 for square pixels.
    public var aspect: Double
    public var downsample: DownsampleMode
    /// The filter pipeline when a stage is on (nil: the raw planes).
    public var pipeline: Pipeline?
    /// The shown label image, by index of the viewer's label names.
    public var labels: Int?
    /// The probed level-0 pixel.
    public var probe: ViewState.Point?

    public init(
        views: [PlaneSelection], channelAxis: Int? = nil, size: Size, mode: DisplayMode, aspect: Double = 1,
        downsample: DownsampleMode = .mean, pipeline: Pipeline? = nil, labels: Int? = nil,
        probe: ViewState.Point? = nil
    ) {
        (self.views, self.channelAxis, self.size, self.mode, self.aspect) = (views, channelAxis, size, mode, aspect)
        (self.downsample, self.pipeline, self.labels, self.probe) = (
            downsample, pipeline?.isActive == true ? pipeline : nil, labels, probe
        )
    }

    /// The picture's pixels for a plane of `width`×`height` data pixels.
    public func pixelSize(fitting width: Int, _ height: Int) -> (width: Int, height: Int) {
        switch size {
        case let .cells(columns, rows):
            mode.pixelSize(fitting: width, height, columns: columns, rows: rows, aspect: aspect)
        case let .pixels(w, h): (w, h)
        }
    }
}

extension ViewState {
    /// The frame this state shows in `pane`: the planes (every channel of a composite), the
    /// look, the filters when a stage is on, the label image and the probe.
    /// - Parameter metadata: the array's, for the channels a composite blends (its active ones).
    public func frameRequest(_ pane: Pane, metadata: ArrayMetadata) -> FrameRequest {
        var views = [selection]
        if composite, let c = channelAxis {
            views = ChannelLayer.compositeChannels(count: shape[c], in: metadata).map { i in
                var s = selection
                s.indices[c] = i
                return s
            }
        }
        return FrameRequest(
            views: views, channelAxis: channelAxis, size: .cells(columns: pane.columns, rows: pane.rows),
            mode: mode, aspect: aspect, downsample: downsample, pipeline: pipeline, labels: labelIndex,
            probe: probe)
    }
}
