import ArgumentParser
import Cache
import Formats
import Processing
import Rendering
import TUI
import Glibc

struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Draw one frame without a terminal: ANSI to stdout, or a .txt/.ans/.png file.")

    @Argument(help: ArgumentHelp(CLI.datasetHelp))
    var path: String

    @OptionGroup var plane: PlaneOptions
    @OptionGroup var look: RenderOptions
    @OptionGroup var caching: CacheOptions
    @OptionGroup var filtering: FilterOptions
    @OptionGroup var labelling: LabelOptions

    @Option(help: ArgumentHelp("Frame size in cells (default: the terminal, else 80x24).", valueName: "COLSxROWS"))
    var size: String?

    @Flag(help: "Do not print the one-line header (dataset, indices, contrast, colour map).")
    var noHeader = false

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp(
            "Write FILE.txt (glyphs), FILE.ans (ANSI), FILE.png (a figure: the region at data resolution; with --size, the screen-sized picture) or FILE.npy (the screen pixels' values, float32).",
            valueName: "FILE"))
    var output: String?

    /// Set when the viewer's `s` renders: its dataset warnings were shown already, and stderr is the screen.
    @Flag(help: .hidden) var quiet = false

    @Option(
        help: ArgumentHelp(
            "Image pixels per data pixel of a .png figure (default 1; a figure over \(Figure.maxSide) pixels a side is refused with the scale that fits).",
            valueName: "S"))
    var scale: Double?

    func run() throws {
        let (columns, totalRows) = try frameSize()
        let kind = output.map { String($0.lowercased().split(separator: ".").last ?? "") }
        if let kind, !["txt", "ans", "png", "npy"].contains(kind) {
            throw UsageFailure("-o \(output!): the output must end in .txt, .ans, .png or .npy")
        }
        // A .png without --size is a figure at data resolution (scaled by --scale).
        let figure = kind == "png" && size == nil
        if let scale, !(scale > 0 && scale <= 64) {
            throw UsageFailure("--scale \(scale): expected a factor above 0, at most 64")
        }
        if scale != nil && !figure {
            throw UsageFailure(
                "--scale sets a .png figure's size; it does not apply with --size or without -o FILE.png")
        }
        let graphics = try look.graphics(
            defaultMode: nil, interactive: output == nil && isatty(0) == 1 && isatty(1) == 1)
        if let note = graphics.note, !quiet { CLI.printError("vstack: note: " + note) }
        var settings = try look.settings(graphics: graphics)
        let pipeline = try filtering.pipeline()
        let array = try plane.open(path)
        if !quiet { CLI.printWarnings(array) }
        let selection = try plane.selection(for: array)
        var look = self.look
        look.composite = look.blends(array, selection)
        settings.aspect = look.aspect(selection, array.metadata)
        if let output { try OutputFile.refuseOverlap(output, inputs: array.sourcePaths) }
        let rows = noHeader ? totalRows : max(1, totalRows - 1)
        let cache = try caching.makeCache()
        defer { caching.report(cache, array) }
        let labelLayer = try labelling.layer(over: array, names: selection.axisNames)
        if let output, let labelLayer { try OutputFile.refuseOverlap(output, inputs: labelLayer.array.sourcePaths) }
        if figure,
            let refusal = Figure.refusal(
                rows: selection.rows.count, columns: selection.columns.count, aspect: settings.aspect, scale: scale ?? 1
            )
        {
            throw UsageFailure(refusal)
        }
        let job = RenderJob(
            array: array, selection: selection, settings: settings, look: look, pipeline: pipeline,
            filterFactor: filtering.factor(selection), labelLayer: labelLayer, cache: cache, caching: caching,
            figureSize: figure
                ? Figure.size(
                    rows: selection.rows.count, columns: selection.columns.count, aspect: settings.aspect,
                    scale: scale ?? 1) : nil,
            columns: columns, rows: rows)
        let drawn = try job.draw()
        let (rendered, layers, overlay) = (drawn.rendered, drawn.layers, drawn.overlay)
        let levelText = plane.level.map { "L\($0)" } ?? drawn.levelText
        let filterNote = drawn.filterNote
        let header =
            noHeader
            ? nil
            : headerLine(
                array.metadata, selection, rendered, settings, columns, rows, filter: filterNote,
                level: levelText, look: look)
        switch kind {
        case "png":
            // A figure of a gray view keeps the data's depth (16-bit); a screen-sized picture is 8-bit.
            let gray = figure && layers.count == 1 && overlay == nil && settings.colorMap.name == "gray"
            try OutputFile.write(
                try FigureEncoding.png(rendered, grayView: gray, dataType: layers[0].plane.dataType), to: output!)
        case "npy":
            // The screen pixels' values before contrast (first channel), float32: what each screen pixel shows.
            let image = rendered.image
            try OutputFile.write(
                NPY.encode(ArrayBuffer(float32: image.pixels, shape: [image.height, image.width])), to: output!)
        case "txt":
            try OutputFile.write(Array(((header.map { $0 + "\n" } ?? "") + rendered.frame.text).utf8), to: output!)
        case "ans":
            try OutputFile.write(
                Array((header.map { $0 + "\n" } ?? "").utf8) + ANSIWriter.frameBytes(rendered.frame), to: output!)
        default:
            if let header { print(header) }
            if let image = try PixelOutput(mode: settings.mode, tmuxWrap: graphics.tmuxWrap, movesCursor: true)?.encode(
                rendered.picture)
            {
                try OutputFile.writeStandardOutput(image + [0x0A])
            } else {
                try OutputFile.writeStandardOutput(ANSIWriter.frameBytes(rendered.frame))
            }
        }
    }

    func frameSize() throws -> (Int, Int) {
        guard let size else { return try terminalCellSize() }
        return try parseCellSize(size)
    }

    /// `demo:  c=1 t=99 z=100  y 0:1024 x 0:768  clim 100..9238  gray  half 160x47`
    func headerLine(
        _ m: ArrayMetadata, _ s: PlaneSelection, _ r: RenderedPlane, _ settings: RenderSettings, _ columns: Int,
        _ rows: Int,
        filter: String?, level: String?, look: RenderOptions
    ) -> String {
        let channel = look.composite == true ? s.axisNames.firstIndex(of: look.channelAxis ?? "c") : nil
        let indices = s.axisNames.indices.filter { $0 != s.rowAxis && $0 != s.columnAxis && $0 != channel }
            .map { "\(s.axisNames[$0])=\(s.indices[$0])" }.joined(separator: " ")
        let region =
            "\(s.axisNames[s.rowAxis]) \(s.rows.lowerBound):\(s.rows.upperBound) \(s.axisNames[s.columnAxis]) \(s.columns.lowerBound):\(s.columns.upperBound)"
        func fmt(_ v: Double) -> String { formatLimit(v) }
        var parts = [m.location]
        if !indices.isEmpty { parts.append(indices) }
        let clims = r.contrasts.map { "\(fmt($0.low))..\(fmt($0.high))" }.joined(separator: ",")
        let n = r.contrasts.count
        let lookName = look.composite == true ? "composite \(n) channel\(n == 1 ? "" : "s")" : settings.colorMap.name
        parts += [region]
        if let level { parts.append(level) }
        if let filter { parts.append(filter) }
        parts += ["clim \(clims)", lookName, "\(settings.mode.name) \(columns)x\(rows)"]
        let line = parts.joined(separator: "  ")
        return String(line.prefix(max(columns, 20)))
    }
}

/// What `render` draws, from values already resolved: the layers at the level the picture's size
/// picks (a plane too big to assemble reduced chunk by chunk, filters at their working factor),
/// the label overlay, and the picture (a figure's own size, or fitted to cells). `s` in the viewer
/// runs the same with the viewer's array, cache and state: nothing re-parsed, no second cache.
struct RenderJob {
    let array: LazyArray
    let selection: PlaneSelection
    let settings: RenderSettings
    let look: RenderOptions
    let pipeline: Pipeline?
    let filterFactor: Int
    let labelLayer: LabelLayer?
    let cache: ChunkCache
    let caching: CacheOptions
    /// A figure's pixels (nil: fitted to `columns`×`rows` cells).
    let figureSize: (width: Int, height: Int)?
    let columns: Int, rows: Int

    struct Drawn {
        var rendered: RenderedPlane
        var layers: [ChannelLayer]
        var overlay: LabelOverlay?
        var levelText: String?
        var filterNote: String?
    }

    /// Called after each chunk of the image layer is read (a figure's progress).
    var onChunk: @Sendable () -> Void = {}

    /// The chunks the image layer reads at the level the picture picks, per layer (for progress).
    var chunkCount: Int {
        let plan = plan(selection)
        let level = array.pyramid[plan.level].array
        return level.metadata.grid.chunks(overlapping: plan.levelViews[0].region).count
    }

    /// The viewer's plan for one view at the picture's size: its level, assemble or reduce, the
    /// picture's pixels (the figure's own size, else fitted to the cells).
    private func plan(_ view: PlaneSelection) -> FramePlan {
        let size: FrameRequest.Size =
            figureSize.map { .pixels(width: $0.width, height: $0.height) } ?? .cells(columns: columns, rows: rows)
        return FramePlan(
            FrameRequest(
                views: [view], size: size, mode: settings.mode, aspect: settings.aspect,
                downsample: settings.downsample),
            pyramid: array.pyramid, cacheBudget: cache.budget)
    }

    /// The picture's pixels for a plane of width×height: the figure's own size, else fitted to the cells.
    private func target(_ width: Int, _ height: Int) -> (width: Int, height: Int) {
        figureSize
            ?? settings.mode.pixelSize(fitting: width, height, columns: columns, rows: rows, aspect: settings.aspect)
    }

    func draw() throws -> Drawn {
        var filterNote: String?
        var filterLevel = 0
        var masks = false
        // The zoom picks the level (a --level array has one); filters pick their own for their working factor.
        let levels = array.pyramid
        let chosen = plan(selection).level
        // A plane too big to assemble is reduced chunk by chunk; its auto contrast comes with it.
        var reducedContrasts: [Contrast?] = []
        var layers = try look.layers(array, selection, settings) { view in
            guard let pipeline else {
                let plan = plan(view)
                let (lv, level) = (plan.levelViews[0], levels[plan.level].array)
                if plan.image == .reduce {
                    let reduced = try caching.reducedPlane(
                        lv, level, cache, level: plan.level, width: plan.width, height: plan.height,
                        mode: settings.downsample, onChunk: onChunk)
                    reducedContrasts.append(reduced.contrast)
                    return reduced.plane
                }
                reducedContrasts.append(nil)
                return try caching.readPlane(lv, level, cache, level: plan.level, onChunk: onChunk)
            }
            let filtered = try caching.filteredPlane(pipeline, view, array, cache, factor: filterFactor)
            filterLevel = filtered.level
            filterNote = FilterStatus.text(pipeline, filtered)
            masks = filtered.isMask
            return filtered.plane
        }
        for (i, contrast) in reducedContrasts.enumerated() where layers[i].limits == nil {
            layers[i].limits = contrast.map { RenderSettings.Limits($0.low, $0.high) }
        }
        // A mask is drawn 0 → low, 1 → high unless --clim says otherwise.
        if masks && settings.limits == nil {
            for i in layers.indices { layers[i].limits = RenderSettings.Limits(0, 1) }
        }
        // Labels: the label level and region behind the same screen pixels, read whole through the cache.
        var overlay: LabelOverlay?
        if let labelLayer {
            let plane0 = layers[0].plane
            let size = target(plane0.shape[1], plane0.shape[0])
            guard let source = labelLayer.source(for: selection, width: size.width, height: size.height) else {
                throw UsageFailure(
                    "--labels: the label image has no axes for the displayed \(selection.axisNames[selection.rowAxis]),\(selection.axisNames[selection.columnAxis])"
                )
            }
            let step = labelLayer.step(
                for: source, width: size.width, height: size.height, maxBytes: min(cache.budget / 4, 32 << 20))
            overlay = labelLayer.overlay(
                step == 1
                    ? try caching.readPlane(source.view, source.level.array, cache, level: source.index)
                    : try source.view.readSampledPlane(
                        source.level.array, step: step,
                        chunks: CachedChunks(cache: cache, array: source.level.array, level: source.index).source))
        }
        let rendered =
            figureSize.map {
                Renderer.picture(layers, labels: overlay, settings: settings, width: $0.width, height: $0.height)
            } ?? Renderer.composite(layers, labels: overlay, settings: settings, columns: columns, rows: rows)
        let levelText = LevelSelection(levels, view: selection, index: pipeline != nil ? filterLevel : chosen)
            .label(levelCount: levels.count)
        return Drawn(
            rendered: rendered, layers: layers, overlay: overlay, levelText: levelText, filterNote: filterNote)
    }
}

/// A contrast limit for the header: integers as integers, |v| ≥ 100 rounded, else 3 decimals.
/// Beyond 1e15 (and ±inf, NaN) Swift's shortest form (`1e+300`).
private func formatLimit(_ v: Double) -> String {
    if !(abs(v) < 1e15) { return String(v) }
    if v == v.rounded() && abs(v) < 1e9 { return String(Int(clamping: v)) }
    if abs(v) >= 100 { return String(Int(clamping: v.rounded())) }
    return String((v * 1000).rounded() / 1000)
}
