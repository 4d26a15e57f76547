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

    func run() throws {
        try ViewCommand.open(path, plane: plane, look: look, caching: caching, filtering: filtering)
    }

    /// Opens the viewer with the start options of SPEC §1 (shared with `demo`).
    static func open(_ path: String, plane: PlaneOptions, look: RenderOptions, caching: CacheOptions,
                     filtering: FilterOptions) throws {
        let pipeline = try filtering.pipeline()
        let array = try plane.open(path)
        let selection = try plane.selection(for: array)
        let settings = try look.settings()
        let cache = try caching.makeCache()
        guard isatty(0) == 1 && isatty(1) == 1 else {
            throw RuntimeFailure("the viewer needs a terminal on stdin and stdout (for one frame use: vstack render \(path))")
        }
        var state = ViewState(selection: selection, shape: array.metadata.shape)
        state.mode = settings.mode
        state.modes = TerminalProbe.utf8Locale() && settings.depth != .none ? GlyphMode.allCases : [settings.mode]
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
        if let warning = array.metadata.warnings.first { state.message = "warning: " + warning }
        if look.composite {
            guard state.channelAxis != nil else {
                throw UsageFailure("--composite: no channel axis 'c' (axes are \(AxisNames.compact(selection.axisNames)))")
            }
            state.composite = true
        }
        let app = ViewerApp(array: array, name: path, state: state, cache: cache, depth: settings.depth,
                            maxWorkPixels: filtering.maxWorkPixels)
        try app.run()
        caching.report(cache, array)
    }
}
