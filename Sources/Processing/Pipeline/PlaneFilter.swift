import ArrayModel
import Foundation

/// A processed plane: the shown region after the pipeline, at the working resolution.
public struct FilteredPlane: Sendable {
    /// float32, or uint8 0/1 when the result is a mask.
    public var plane: ArrayBuffer
    /// Working pixels are `factor`×`factor` data pixels (1 = full resolution).
    public var factor: Int
    public var isMask: Bool
    /// Values computed from the data (Otsu's threshold), for the status line.
    public var notes: [String]
    public var thresholds: [Double]
    /// The pyramid level the input was read from (0: full resolution).
    public var level = 0
}

/// A pipeline that cannot run on this view, by kind; `description` is the one line shown
/// (after `--filter: ` on the command line).
public enum FilterError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A 3-D stage in `pipeline` (its active text) on a view with no third axis.
    case needsDepthAxis(pipeline: String)
    /// `stage` would take about `operations` on the `rows`×`columns` region shown: more than `PlaneFilter.maxWork`.
    case tooMuchWork(stage: String, operations: Double, rows: Int, columns: Int)

    public var description: String {
        switch self {
        case let .needsDepthAxis(pipeline): "\(pipeline): a 3-D stage needs a third axis, and this view has none"
        case let .tooMuchWork(stage, operations, rows, columns):
            "\(stage): about \(String(format: "%.1e", operations)) operations on the \(rows)x\(columns) region shown (at most 1e10, or it would take minutes); use a smaller size or sigma, a smaller --region, or a lower --max-work-pixels"
        }
    }
}

/// Applies a pipeline to the region a `PlaneSelection` shows: reads that
/// region plus the halo (and the neighbouring planes a 3-D stage needs)
/// through the given chunk source, runs the stages and crops.
public enum PlaneFilter {
    /// SPEC §4: full resolution up to 4 Mpx shown.
    public static let defaultMaxWorkPixels = 4 << 20
    /// The most operations (`FilterOperator.workPerPixel` × pixels) a pipeline may take on
    /// one view: about ten seconds of a debug build's time. Larger is refused before
    /// anything is read or allocated.
    public static let maxWork = 1e10

    /// Refuses a pipeline whose estimated cost on `box` exceeds `maxWork`, naming the costliest stage.
    static func checkWork(_ operators: [FilterOperator], _ pipeline: Pipeline, box: Box, shown: Box) throws {
        let pixels = Double(box.count)
        let costs = operators.map { $0.workPerPixel * pixels }
        let total = costs.reduce(0, +)
        guard total > maxWork, let worst = costs.indices.max(by: { costs[$0] < costs[$1] }) else { return }
        let stages = pipeline.activeText.split(separator: "|")
        let name = worst < stages.count ? String(stages[worst]) : pipeline.activeText
        throw FilterError.tooMuchWork(stage: name, operations: total, rows: shown.y.count, columns: shown.x.count)
    }

    /// The smallest whole factor that brings the region to at most `maxWorkPixels`.
    public static func workingFactor(rows: Int, columns: Int, maxWorkPixels: Int) -> Int {
        var f = 1
        while ((rows + f - 1) / f) * ((columns + f - 1) / f) > max(1, maxWorkPixels) { f += 1 }
        return f
    }

    /// The axis a 3-D stage works along: z when it is not displayed, else the other of z/y/x
    /// that is not, else the innermost non-displayed axis.
    public static func depthAxis(_ view: PlaneSelection) -> Int? {
        let names = view.axisNames
        let free = names.indices.filter { $0 != view.rowAxis && $0 != view.columnAxis }
        for name in ["z", "y", "x"] {
            if let a = names.firstIndex(of: name), free.contains(a) { return a }
        }
        return free.last
    }

    public static func kind(of type: DataType) -> ValueKind {
        switch type {
        case .bool: .mask
        case .float32, .float64: .float
        case .uint8: .integer(min: 0, max: 255)
        case .uint16: .integer(min: 0, max: 65535)
        case .uint32: .integer(min: 0, max: 4294967295)
        case .uint64: .integer(min: 0, max: Double(UInt64.max))
        case .int8: .integer(min: -128, max: 127)
        case .int16: .integer(min: -32768, max: 32767)
        case .int32: .integer(min: -2147483648, max: 2147483647)
        case .int64: .integer(min: Double(Int64.min), max: Double(Int64.max))
        }
    }

    /// The pyramid level a filter at working factor `factor` reads, and the factor left to apply
    /// to it: the coarsest level whose factor on both displayed axes is a whole number dividing
    /// `factor` (and 1 on every other axis, so z halos keep their meaning). Level 0 when none.
    public static func level(
        for view: PlaneSelection, factor: Int, in levels: [PyramidLevel]
    ) -> (index: Int, factor: Int) {
        var best = (index: 0, factor: max(1, factor))
        for (i, level) in levels.enumerated().dropFirst() {
            let f = level.factors[view.rowAxis]
            guard f == level.factors[view.columnAxis], f == f.rounded(), f >= 1,
                level.factors.indices.allSatisfy({
                    $0 == view.rowAxis || $0 == view.columnAxis || level.factors[$0] == 1
                })
            else { continue }
            let fl = Int(f)
            if factor % fl == 0 && fl > (best.index == 0 ? 1 : Int(levels[best.index].factors[view.rowAxis])) {
                best = (i, factor / fl)
            }
        }
        return best
    }

    /// Filters the level-0 `view` at working factor `factor`, reading the coarsest level of
    /// `levels` that serves it (`level(for:factor:in:)`): a pyramid's fit view is filtered
    /// from a coarse level instead of full resolution. `chunks(i)` reads level i.
    public static func apply(
        _ pipeline: Pipeline, to view: PlaneSelection, levels: [PyramidLevel], factor: Int,
        threads: Int, chunks: (Int) -> RegionReader.ChunkSource?
    ) throws -> FilteredPlane {
        let (index, rest) = level(for: view, factor: factor, in: levels)
        guard index > 0 else {
            return try apply(
                pipeline, to: view, of: levels[0].array, factor: factor, threads: threads, chunks: chunks(0))
        }
        let fl = Int(levels[index].factors[view.rowAxis])
        var result = try apply(
            pipeline, to: levels[index].selection(for: view), of: levels[index].array, factor: rest,
            levelFactor: fl, threads: threads, chunks: chunks(index))
        result.factor = factor
        result.level = index
        return result
    }

    /// Where a filter of the level-0 `view` at working factor `factor` reads: the pyramid level
    /// (`level(for:factor:in:)`) and, for each plane of its depth halo, the view grown by the
    /// pipeline's halo, in that level's pixels. The viewer plans (and pins) these chunks.
    public static func reads(
        _ pipeline: Pipeline, of view: PlaneSelection, levels: [PyramidLevel], factor: Int
    ) throws -> (level: Int, views: [PlaneSelection]) {
        let (index, rest) = level(for: view, factor: factor, in: levels)
        guard index > 0 else { return (0, try window(pipeline, view, levels[0].array, factor, 1).reads) }
        let fl = Int(levels[index].factors[view.rowAxis])
        return (index, try window(pipeline, levels[index].selection(for: view), levels[index].array, rest, fl).reads)
    }

    /// A filter's working window: its operators, the shown box and the box it reads (the shown one
    /// grown by the halo, within the plane), in working pixels of `factor` data pixels each, and
    /// the views of `array` those read.
    private struct Window {
        let operators: [FilterOperator]
        let box: Box, core: Box, limit: Box
        let reads: [PlaneSelection]
    }

    private static func window(
        _ pipeline: Pipeline, _ view: PlaneSelection, _ array: LazyArray, _ factor: Int, _ levelFactor: Int
    ) throws -> Window {
        let depthAxis = depthAxis(view)
        let names = view.axisNames
        let setup = OperatorSetup(
            tupleOrder: OperatorSetup.order(
                rows: names[view.rowAxis], columns: names[view.columnAxis],
                depth: depthAxis.map { names[$0] }),
            factor: Double(max(1, factor) * max(1, levelFactor)))
        let operators = try pipeline.operators(setup)
        let margin = HaloPlan(operators).total
        let shape = array.metadata.shape
        if margin.z > 0 && depthAxis == nil {
            throw FilterError.needsDepthAxis(pipeline: pipeline.activeText)
        }
        let f = max(1, factor)
        let (height, width) = (shape[view.rowAxis], shape[view.columnAxis])
        let depth = depthAxis.map { shape[$0] } ?? 1
        let z = depthAxis.map { view.indices[$0] } ?? 0
        // Working coordinates: pixel i covers data [i·f, (i+1)·f).
        let limit = Box(z: 0..<depth, y: 0..<((height + f - 1) / f), x: 0..<((width + f - 1) / f))
        let core = Box(
            z: z..<(z + 1), y: (view.rows.lowerBound / f)..<((view.rows.upperBound + f - 1) / f),
            x: (view.columns.lowerBound / f)..<((view.columns.upperBound + f - 1) / f))
        let box = core.grown(by: margin, within: limit)
        let reads = box.z.map { plane in
            var read = view
            if let a = depthAxis { read.indices[a] = plane }
            read.rows = (box.y.lowerBound * f)..<min(height, box.y.upperBound * f)
            read.columns = (box.x.lowerBound * f)..<min(width, box.x.upperBound * f)
            return read
        }
        return Window(operators: operators, box: box, core: core, limit: limit, reads: reads)
    }

    /// - Parameter levelFactor: level-0 pixels per pixel of `array` (a pyramid level): spatial
    ///   parameters, given in level-0 pixels, are divided by it as well as by `factor`.
    public static func apply(
        _ pipeline: Pipeline, to view: PlaneSelection, of array: LazyArray, factor: Int = 1,
        levelFactor: Int = 1, threads: Int, chunks: RegionReader.ChunkSource? = nil
    ) throws -> FilteredPlane {
        let window = try window(pipeline, view, array, factor, levelFactor)
        let (operators, box, core, limit) = (window.operators, window.box, window.core, window.limit)
        try checkWork(operators, pipeline, box: box, shown: core)
        let f = max(1, factor)
        var pixels: [Float] = []
        pixels.reserveCapacity(box.count)
        for read in window.reads {
            if f == 1 {
                pixels += try read.readPlane(array, threads: threads, chunks: chunks).floats()
            } else {
                // Working pixels are block means folded chunk by chunk: the full-resolution region is never assembled.
                let reduction = PlaneReduction(view: read, dataType: array.metadata.dataType, factor: f, mode: .mean)
                try reduction.run(array, source: chunks ?? RegionReader.wholeChunks(array), threads: threads)
                pixels += reduction.image().image.pixels
            }
        }
        let input = FloatVolume(depth: box.z.count, height: box.y.count, width: box.x.count, pixels: pixels)
        let result = VolumePipeline.run(
            operators, input: input, inputBox: box, core: core, limit: limit,
            kind: kind(of: array.metadata.dataType), threads: threads)
        let shape2 = [result.volume.height, result.volume.width]
        let plane =
            result.kind == .mask
            ? ArrayBuffer(dataType: .uint8, shape: shape2, bytes: result.volume.pixels.map { $0 != 0 ? 1 : 0 })
            : ArrayBuffer(float32: result.volume.pixels, shape: shape2)
        return FilteredPlane(
            plane: plane, factor: f, isMask: result.kind == .mask, notes: result.notes,
            thresholds: result.thresholds)
    }
}
