import ArrayModel
import Cache
import Processing
import Rendering

/// What a frame needs, computed once from a `FrameRequest` and the pyramid, before anything is
/// loaded (tensorstore's request value handed to a driver): the level, whether the plane is
/// assembled from chunks or reduced chunk by chunk into screen pixels, and each layer's part
/// (the filter's working factor and keys, the label image's level, region and sampling step, the
/// probe's one-pixel read). A value: comparing two plans says whether anything must be requested.
public struct FramePlan: Equatable, Sendable {
    /// How the image layer is made from its level.
    public enum Image: Equatable, Sendable {
        /// Its chunks are loaded (coarsest level first) and the plane assembled from what is resident.
        case assemble
        /// Too big to assemble: folded chunk by chunk into the picture's pixels (`PlaneReduction`).
        case reduce
    }

    /// The filter layer: planes computed by the pipeline at a working factor (1: full resolution),
    /// read from `level` over `reads` (each view grown by the pipeline's halo, a plane of the depth
    /// halo each, in that level's pixels; none when the pipeline cannot run on this view).
    public struct FilterPart: Equatable, Sendable {
        public var factor: Int
        public var keys: [ProcessedPlaneCache.Key]
        public var level: Int
        public var reads: [PlaneSelection]
    }

    /// The label layer: which level of the label image, its region (level-0 coordinates of the
    /// label image, and in the level's own), and every `step`-th pixel when a screen pixel covers many.
    public struct LabelPart: Equatable, Sendable {
        public var index: Int
        public var level: Int
        public var view: PlaneSelection
        public var levelView: PlaneSelection
        public var step: Int
    }

    /// Why a layer asked for cannot be planned (the label image has no axes for the display).
    public enum LabelProblem: Equatable, Sendable {
        /// The label image is still being opened (its metadata read off the UI thread).
        case opening
        case noAxes(String)
    }

    public let request: FrameRequest
    /// The level the image is drawn from, and the views in its pixels (one per layer of a composite).
    public let level: Int
    public let levelViews: [PlaneSelection]
    /// The picture's size in pixels.
    public let width: Int, height: Int
    public let image: Image
    public let filter: FilterPart?
    public let labels: LabelPart?
    public let labelProblem: LabelProblem?
    /// The probed level-0 pixel as a one-pixel view of the first layer (its value is read at level 0).
    public let probe: PlaneSelection?

    /// - Parameters:
    ///   - pyramid: the image's levels (level 0 first).
    ///   - cacheBudget: a plane whose chunks do not fit a quarter of it is reduced instead of assembled.
    ///   - maxWorkPixels: filters run at full resolution up to this many shown pixels.
    ///   - labelLayer: the opened label image of `request.labels`; nil while it opens.
    public init(
        _ request: FrameRequest, pyramid: [PyramidLevel], cacheBudget: Int,
        maxWorkPixels: Int = PlaneFilter.defaultMaxWorkPixels, labelLayer: LabelLayer? = nil
    ) {
        precondition(!request.views.isEmpty && !pyramid.isEmpty)
        self.request = request
        let first = request.views[0]
        let chosen = LevelSelection(
            pyramid, view: first, pixelSize: request.pixelSize(fitting: first.columns.count, first.rows.count))
        level = chosen.index
        levelViews = request.views.map { LevelSelection(pyramid, view: $0, index: chosen.index).view }
        let lv = levelViews[0]
        // The picture fits the level's pixels (their count, not level 0's, sets the rounding).
        (width, height) = request.pixelSize(fitting: lv.columns.count, lv.rows.count)
        image =
            PlaneReduction.reduces(
                lv, dataType: pyramid[level].array.metadata.dataType, width: width, height: height,
                cacheBudget: cacheBudget) ? .reduce : .assemble
        if let pipeline = request.pipeline {
            let factor = PlaneFilter.workingFactor(
                rows: first.rows.count, columns: first.columns.count, maxWorkPixels: maxWorkPixels)
            let reads = request.views.map { try? PlaneFilter.reads(pipeline, of: $0, levels: pyramid, factor: factor) }
            filter = FilterPart(
                factor: factor,
                keys: request.views.map {
                    ProcessedPlaneCache.Key(view: $0, pipeline: pipeline.activeText, factor: factor)
                }, level: reads.first??.level ?? 0, reads: reads.flatMap { $0?.views ?? [] })
        } else {
            filter = nil
        }
        // Labels sample the image plane's pixels: the level's region, or the reduction's screen pixels.
        var labels: LabelPart?, problem: LabelProblem?
        if let index = request.labels {
            if let layer = labelLayer {
                let plane = image == .reduce ? (width, height) : (lv.columns.count, lv.rows.count)
                let size = request.pixelSize(fitting: plane.0, plane.1)
                if let source = layer.source(for: first, width: size.width, height: size.height),
                    let view = layer.alignment.view(for: first)
                {
                    let step = layer.step(
                        for: source, width: size.width, height: size.height,
                        maxBytes: min(cacheBudget / 4, 32 << 20))
                    labels = LabelPart(
                        index: index, level: source.index, view: view, levelView: source.view, step: step)
                } else {
                    problem = .noAxes(
                        "the label image has no axes for the displayed \(first.axisNames[first.rowAxis]),\(first.axisNames[first.columnAxis])"
                    )
                }
            } else {
                problem = .opening
            }
        }
        (self.labels, labelProblem) = (labels, problem)
        if let p = request.probe {
            var v = first
            let (y, x) = (Int(p.y), Int(p.x))
            if v.rows.contains(y) && v.columns.contains(x) {
                (v.rows, v.columns) = (y..<(y + 1), x..<(x + 1))
                probe = v
            } else {
                probe = nil
            }
        } else {
            probe = nil
        }
    }

    /// The image layer's part of the plan: what `PlaneLoader.show` is asked for.
    public var imagePart: ImagePart {
        ImagePart(views: request.views, level: level, image: image, channelAxis: request.channelAxis)
    }

    /// The image layer alone, to compare whether its loads change.
    public struct ImagePart: Equatable, Sendable {
        public var views: [PlaneSelection]
        public var level: Int
        public var image: Image
        public var channelAxis: Int?
    }

    /// The chunk keys the image layer draws at its level (the coarsest level's are loaded first too).
    public func imageKeys(_ levels: [CachedChunks]) -> [ChunkKey] {
        var seen = Set<ChunkKey>()
        return levelViews.flatMap { PlaneLoader.keys(levels[level], $0).map(\.0) }.filter { seen.insert($0).inserted }
    }

    /// The coarsest level's keys of the image (drawn first: they cover the view); none when the
    /// plan's level is the coarsest.
    public func coarseKeys(_ levels: [CachedChunks], pyramid: [PyramidLevel]) -> [ChunkKey] {
        let last = levels.count - 1
        guard level < last else { return [] }
        var seen = Set<ChunkKey>()
        return request.views.flatMap { PlaneLoader.keys(levels[last], pyramid[last].selection(for: $0)).map(\.0) }
            .filter { seen.insert($0).inserted }
    }

    /// The chunk keys the filter reads: the views and their halo at the filter's level.
    public func filterKeys(_ levels: [CachedChunks]) -> [ChunkKey] {
        guard let filter else { return [] }
        var seen = Set<ChunkKey>()
        return filter.reads.flatMap { PlaneLoader.keys(levels[filter.level], $0).map(\.0) }
            .filter { seen.insert($0).inserted }
    }

    /// The chunk keys of the label layer's region at its level (every chunk it crosses, sampled or not).
    public func labelKeys(_ levels: [CachedChunks]) -> [ChunkKey] {
        guard let labels else { return [] }
        return PlaneLoader.keys(levels[labels.level], labels.levelView).map(\.0)
    }

    /// The level-0 chunk that holds the probed pixel.
    public func probeKeys(_ levels: [CachedChunks]) -> [ChunkKey] {
        guard let probe else { return [] }
        return PlaneLoader.keys(levels[0], probe).map(\.0)
    }
}
