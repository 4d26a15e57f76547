import ArgumentParser
import Formats
import Rendering
import TUI

#if canImport(Glibc)
import Glibc
#endif

struct ViewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "view",
        abstract: "Open the interactive viewer on a dataset.")

    @Argument(help: ArgumentHelp(CLI.datasetHelp))
    var path: String

    @OptionGroup var plane: PlaneOptions
    @OptionGroup var look: RenderOptions
    @OptionGroup var caching: CacheOptions
    @OptionGroup var filtering: FilterOptions
    @OptionGroup var labelling: LabelOptions
    @OptionGroup var viewer: ViewerOptions

    func run() throws {
        try ViewCommand.open(
            path, plane: plane, look: look, caching: caching, filtering: filtering, labelling: labelling, viewer: viewer
        )
    }

    /// Opens the viewer with the start options of SPEC §1 (shared with `demo`).
    static func open(
        _ path: String, plane: PlaneOptions, look: RenderOptions, caching: CacheOptions,
        filtering: FilterOptions, labelling: LabelOptions, viewer: ViewerOptions
    ) throws {
        let pipeline = try filtering.pipeline()
        let array = try plane.open(path)
        let selection = try plane.selection(for: array)
        let settings = try look.settings()
        let cache = try caching.makeCache()
        // Label images: --labels (checked now, so a bad one is a one-line error before the
        // terminal is taken), then the OME-Zarr image's own; `L` cycles through them.
        var labelSpecs: [(name: String, spec: String)] = []
        var firstLayer: LabelLayer?
        if let spec = labelling.labels {
            firstLayer = try labelling.layer(over: array, names: selection.axisNames)
            labelSpecs.append((firstLayer!.name, spec))
        }
        for name in array.metadata.labelImages where !labelSpecs.contains(where: { $0.name == name }) {
            labelSpecs.append((name, name))
        }
        guard isatty(0) == 1 && isatty(1) == 1 else {
            throw RuntimeFailure(
                "the viewer needs a terminal on stdin and stdout (for one frame use: vstack render \(path))")
        }
        // The terminal is asked which pixel protocol it speaks (unless --mode or VSTACK_MODE chose glyphs);
        // with auto, the viewer sends the query and draws in glyphs until the answer comes.
        let graphics = try look.graphics(defaultMode: "auto", interactive: true, deferQuery: true)
        var state = ViewState(selection: selection, shape: array.metadata.shape)
        state.mode = graphics.mode.pixelProtocol != nil ? graphics.mode : settings.mode
        let glyphs =
            TerminalProbe.utf8Locale() && settings.depth != .none
            ? GlyphMode.allCases.map { DisplayMode.glyphs($0) }
            : [settings.mode.pixelProtocol == nil ? settings.mode : .ascii]
        state.modes = graphics.pixelModes + glyphs
        if let note = graphics.note { state.message = note }
        state.colorMapName = settings.colorMap.name
        state.limits = settings.limits
        state.downsample = settings.downsample
        state.scales = array.metadata.scales
        state.physicalAspect = look.aspect == "data"
        state.pipeline = pipeline
        if AxisNames.origin(array.metadata, override: plane.axes) == .shape {
            state.axesGuessed = true
            state.message = "axes \(AxisNames.compact(selection.axisNames)) guessed from the shape (--axes names them)"
        }
        state.oneBased = viewer.oneBased
        if let warning = array.metadata.warnings.first { state.message = "warning: " + warning }
        if look.blends(array, selection) {
            guard state.channelAxis != nil else {
                throw UsageFailure(
                    "--composite: no channel axis 'c' (axes are \(AxisNames.compact(selection.axisNames)))")
            }
            state.composite = true
        }
        state.labelNames = labelSpecs.map(\.name)
        state.labelIndex = firstLayer == nil ? nil : 0
        state.labelOpacity = labelling.labelOpacity
        state.labelStyle = LabelStyle(rawValue: labelling.labelMode) ?? .fill
        let names = selection.axisNames
        let app = ViewerApp(
            array: array, name: path, state: state, cache: cache, depth: settings.depth,
            maxWorkPixels: filtering.maxWorkPixels, tmuxWrap: graphics.tmuxWrap
        ) { [firstLayer, labelSpecs] name in
            if let firstLayer, name == firstLayer.name { return firstLayer }
            let spec = labelSpecs.first { $0.name == name }?.spec ?? name
            var layer = try LabelOptions.layer(spec, over: array, names: names, look: labelling)
            layer.sampling = LabelSampling(rawValue: labelling.labelSampling) ?? .mode
            return layer
        }
        app.maxFrameBytes = viewer.maxKbps.map { $0 * 1000 / 8 / 10 }
        app.graphicsQuery = graphics.pendingQuery
        app.saveFigure = figureSaver(
            path: path, array: array, cache: cache, look: look, caching: caching, filtering: filtering,
            labelling: labelling, labelSpecs: labelSpecs)
        try app.run()
        caching.report(cache, array)
    }
}
