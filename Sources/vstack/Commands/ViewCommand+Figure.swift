import ArrayModel
import Cache
import Foundation
import Rendering
import TUI

extension ViewCommand {
    /// `s` in the viewer: the view as `vstack render PATH -o FILE.png` draws it (the same `RenderJob`),
    /// with the options the viewer was started with and its state now (position, region, displayed
    /// axes, colour map, limits, composite, filters, labels), read with the viewer's own array and
    /// cache: nothing is parsed again and no second cache is made. The figure's longer side is held
    /// to `Figure.maxSide` by a power-of-two scale (the message says so). The file goes to the
    /// current directory, named after the dataset and the position, never over an existing one.
    static func figureSaver(
        path: String, array: LazyArray, cache: ChunkCache, look: RenderOptions, caching: CacheOptions,
        filtering: FilterOptions, labelling: LabelOptions, labelSpecs: [(name: String, spec: String)]
    ) -> ViewerApp.FigureSaver {
        { state in
            let file = figureName(path: path, state: state)
            let s = state.selection
            var look = look, labelling = labelling
            if !state.composite { look.cmap = state.colorMapName }
            look.composite = state.composite
            look.clim = state.limits.map { "\($0.low),\($0.high)" }
            look.downsample = state.downsample.rawValue
            look.aspect = state.physicalAspect ? "data" : "pixels"
            look.mode = nil
            labelling.labels = state.labelIndex.flatMap { i in
                labelSpecs.first { $0.name == state.labelNames[i] }?.spec
            }
            labelling.labelOpacity = state.labelOpacity
            labelling.labelMode = state.labelStyle.rawValue
            let pipeline = state.pipeline.flatMap { $0.isActive ? $0 : nil }
            let (lookNow, labellingNow) = (look, labelling)
            let job: @Sendable (FigureProgress) throws -> String = { progress in
                var look = lookNow
                var settings = try look.settings()
                look.composite = look.blends(array, s)
                settings.aspect = look.aspect(s, array.metadata)
                try OutputFile.refuseOverlap(file, inputs: array.sourcePaths)
                let labelLayer = try labellingNow.layer(over: array, names: s.axisNames)
                if let labelLayer { try OutputFile.refuseOverlap(file, inputs: labelLayer.array.sourcePaths) }
                // The figure is charged to --cache while it is drawn: the chunks give up what it takes
                // (at most half), and a figure that would take more is drawn at a smaller scale.
                let layers = look.composite == true ? max(1, state.shape[state.channelAxis ?? 0]) : 1
                let sideScale = Figure.fittingScale(
                    rows: s.rows.count, columns: s.columns.count, aspect: settings.aspect)
                let scale = Figure.fittingScale(
                    rows: s.rows.count, columns: s.columns.count, aspect: settings.aspect, layers: layers,
                    memory: cache.budget / 2)
                let size = Figure.size(
                    rows: s.rows.count, columns: s.columns.count, aspect: settings.aspect, scale: scale)
                let reserved = cache.setAside(size.width * size.height * Figure.bytesPerPixel * layers)
                defer { cache.giveBack(reserved) }
                var render = RenderJob(
                    array: array, selection: s, settings: settings, look: look, pipeline: pipeline,
                    filterFactor: filtering.factor(s), labelLayer: labelLayer, cache: cache, caching: caching,
                    figureSize: size, columns: 0, rows: 0)
                progress.expect(chunks: render.chunkCount * layers)
                render.onChunk = { progress.chunkRead() }
                let drawn = try render.draw()
                let gray = drawn.layers.count == 1 && drawn.overlay == nil && settings.colorMap.name == "gray"
                let png = try FigureEncoding.png(
                    drawn.rendered, grayView: gray, dataType: drawn.layers[0].plane.dataType)
                try OutputFile.write(png, to: file)
                let depth = gray ? (drawn.layers[0].plane.dataType.size > 1 ? ", 16-bit gray" : ", gray") : ""
                return "\(file) (\(size.width)x\(size.height)\(depth)"
                    + (scale < 1
                        ? ", 1/\(Int((1 / scale).rounded())) scale: "
                            + (scale < sideScale ? "within --cache" : "over \(Figure.maxSide) a side") : "") + ")"
            }
            return (file, job)
        }
    }

    /// `embryo_c1_t99_z100_y0-1024_x0-768.png`, or `…-2.png` when that exists.
    static func figureName(path: String, state: ViewState) -> String {
        let s = state.selection
        var base = URL(fileURLWithPath: path.hasSuffix("/") ? String(path.dropLast()) : path).deletingPathExtension()
            .lastPathComponent
        if path.hasSuffix(":") || base.isEmpty { base = path.split(separator: ":").first.map(String.init) ?? "view" }
        base = String(base.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "_" })
        var parts = [base]
        for i in s.axisNames.indices
        where i != s.rowAxis && i != s.columnAxis && !(state.composite && i == state.channelAxis) {
            parts.append("\(s.axisNames[i])\(s.indices[i])")
        }
        parts.append("\(s.axisNames[s.rowAxis])\(s.rows.lowerBound)-\(s.rows.upperBound)")
        parts.append("\(s.axisNames[s.columnAxis])\(s.columns.lowerBound)-\(s.columns.upperBound)")
        let stem = parts.joined(separator: "_")
        var name = stem + ".png", n = 2
        while FileManager.default.fileExists(atPath: name) {
            name = "\(stem)-\(n).png"
            n += 1
        }
        return name
    }
}
