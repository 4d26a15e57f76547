import ArrayModel
import ArgumentParser
import Formats
import Rendering
import TUI

/// Look options shared by view, demo and render (SPEC §1).
struct RenderOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Glyphs: half, quad, braille, ascii; real pixels: kitty, sixel, iterm; auto: the best the terminal offers. VSTACK_MODE also sets it (default: auto in the viewer, else half).",
            valueName: "MODE"))
    var mode: String?

    @Option(
        help: ArgumentHelp(
            "A cell's size in screen pixels for the pixel modes (default: asked of the terminal, else 10x20).",
            valueName: "WxH"))
    var cellSize: String?

    @Option(
        help: ArgumentHelp(
            "Colours: truecolor, 256, 16, none (default: detected; VSTACK_COLOR also sets it).", valueName: "DEPTH"))
    var color: String?

    @Option(
        help: ArgumentHelp(
            "Colour map: \(ColorMap.names.joined(separator: ", ")); with --composite a list, one a channel.",
            valueName: "NAME"))
    var cmap: String?

    @Flag(
        inversion: .prefixedNo,
        help:
            "Blend the channels additively, each with its own colour and contrast (default: on for RGB images, off otherwise)."
    )
    var composite: Bool? = nil

    @Option(help: ArgumentHelp("The channel axis for --composite (default: the axis named c).", valueName: "AXIS"))
    var channelAxis: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Contrast limits in data units (default: 0.5 and 99.5 percentiles of the visible region); may be negative.",
            valueName: "LO,HI"))
    var clim: String?

    @Option(help: ArgumentHelp("Gamma applied after the contrast limits.", valueName: "G"))
    var gamma: Double = 1

    @Option(help: ArgumentHelp("How data pixels become screen pixels: mean, max, nearest.", valueName: "MODE"))
    var downsample: String = "mean"

    @Option(
        help: ArgumentHelp(
            "data: draw pixels with their physical aspect when the scales are known (a 2 µm z step over 0.4 µm pixels is 5 rows); pixels: square pixels.",
            valueName: "MODE"))
    var aspect: String = "data"

    /// The display mode: `--mode`, else `VSTACK_MODE`, else `defaultMode`; `auto` and the pixel
    /// modes ask the terminal when `interactive` (stdin and stdout are one); with `deferQuery`,
    /// `auto` leaves the query to the caller (`GraphicsSetup.pendingQuery`) instead of waiting.
    func graphics(defaultMode: String?, interactive: Bool, deferQuery: Bool = false) throws -> GraphicsSetup {
        let env = TerminalProbe.environment()
        let requested = mode ?? env["VSTACK_MODE"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultMode
        let source = mode != nil ? "--mode" : "VSTACK_MODE"
        if let requested, requested.lowercased() != "auto",
            DisplayMode(name: requested.lowercased(), cell: .fallback) == nil
        {
            throw UsageFailure(
                "\(source) '\(requested)': expected half, quad, braille, ascii, kitty, sixel, iterm or auto")
        }
        var cell: CellSize?
        if let cellSize {
            guard let c = CellSize(parsing: cellSize) else {
                throw UsageFailure("--cell-size '\(cellSize)': expected WxH in pixels, e.g. 10x20")
            }
            cell = c
        }
        let fallback: GlyphMode = TerminalProbe.utf8Locale() ? .half : .ascii
        return GraphicsSetup.resolve(
            requested: requested, fallback: fallback, cellSize: cell, environment: env,
            interactive: interactive, deferQuery: deferQuery)
    }

    /// Resolves the options against the environment (locale, TERM, COLORTERM); the mode is
    /// `graphics`' (default: `--mode` as given, without asking the terminal).
    func settings(graphics: GraphicsSetup? = nil) throws -> RenderSettings {
        var s = RenderSettings()
        s.mode = try (graphics ?? self.graphics(defaultMode: nil, interactive: false)).mode
        do {
            s.depth = try ColorDepth.detect(
                option: color, environment: TerminalProbe.environment(),
                terminfoColors: TerminalProbe.terminfoColors())
        } catch { throw UsageFailure(error) }
        // Without colours, half blocks and quadrants cannot show intensity: use the ASCII ramp
        // (braille dots still show a mask).
        if s.depth == .none && s.mode.pixelProtocol == nil && s.mode != .braille { s.mode = .ascii }
        s.colorMap = try colorMaps().first ?? .gray
        guard let d = DownsampleMode(rawValue: downsample) else {
            throw UsageFailure("--downsample '\(downsample)': expected mean, max or nearest")
        }
        s.downsample = d
        if let clim {
            let parts = clim.split(separator: ",").map { Double($0.filter { !$0.isWhitespace }) }
            guard parts.count == 2, let lo = parts[0], let hi = parts[1], lo.isFinite, hi.isFinite, lo <= hi else {
                throw UsageFailure("--clim '\(clim)': expected LO,HI with LO <= HI, e.g. 100,4000")
            }
            s.limits = RenderSettings.Limits(lo, hi)
        }
        guard gamma > 0 && gamma.isFinite else { throw UsageFailure("--gamma \(gamma): must be positive") }
        guard aspect == "data" || aspect == "pixels" else {
            throw UsageFailure("--aspect '\(aspect)': expected data or pixels")
        }
        s.gamma = gamma
        return s
    }
}

extension RenderOptions {
    /// The row-over-column aspect `view` is drawn with (--aspect data: from the physical scales).
    func aspect(_ view: PlaneSelection, _ metadata: ArrayMetadata) -> Double {
        aspect == "pixels" ? 1 : ChannelLayer.aspect(of: view, scales: metadata.scales)
    }

    /// The maps named by --cmap, in order (empty when not given).
    func colorMaps() throws -> [ColorMap] {
        guard let cmap else { return [] }
        return try cmap.split(separator: ",").map { name in
            guard let map = ColorMap.named(String(name)) else {
                throw UsageFailure(
                    "--cmap '\(name)': unknown colour map (choose from \(ColorMap.names.joined(separator: ", ")))")
            }
            return map
        }
    }

    /// Whether the channels are blended: --composite / --no-composite, else for an RGB image
    /// whose sample axis is the channel axis and not displayed.
    func blends(_ array: LazyArray, _ selection: PlaneSelection) -> Bool {
        if let composite { return composite }
        guard array.metadata.colorSamples, let axis = selection.axisNames.firstIndex(of: channelAxis ?? "c") else {
            return false
        }
        return axis != selection.rowAxis && axis != selection.columnAxis
    }

    /// The channel layers to draw: one plane, or with --composite every index of the channel axis.
    func layers(
        _ array: LazyArray, _ selection: PlaneSelection, _ settings: RenderSettings,
        read: (PlaneSelection) throws -> ArrayBuffer
    ) throws -> [ChannelLayer] {
        let names = selection.axisNames
        let wanted = channelAxis ?? "c"
        let found = names.firstIndex(of: wanted) ?? Int(wanted).flatMap({ $0 >= 0 && $0 < names.count ? $0 : nil })
        // A channel's recorded display window (OME omero) is the default contrast.
        func window(_ view: PlaneSelection) -> RenderSettings.Limits? {
            settings.limits
                ?? ChannelLayer.channel(of: view, axis: found, in: array.metadata)?.window.map {
                    .init($0.start, $0.end)
                }
        }
        guard blends(array, selection) else {
            return [
                ChannelLayer(
                    plane: try read(selection), colorMap: settings.colorMap, limits: window(selection),
                    gamma: settings.gamma)
            ]
        }
        guard let axis = found else {
            throw UsageFailure(
                "--composite: no channel axis '\(wanted)' (axes are \(AxisNames.compact(names)); name one with --channel-axis)"
            )
        }
        guard axis != selection.rowAxis && axis != selection.columnAxis else {
            throw UsageFailure(
                "--composite: the channel axis '\(names[axis])' is displayed; choose other --display axes")
        }
        let count = array.metadata.shape[axis]
        guard count <= 16 else {
            throw UsageFailure("--composite: \(count) channels on '\(names[axis])'; at most 16 blend")
        }
        let maps = try colorMaps()
        return try ChannelLayer.compositeChannels(count: count, in: array.metadata).map { c in
            var s = selection
            s.indices[axis] = c
            let map =
                c < maps.count
                ? maps[c]
                : ChannelLayer.compositeColorMap(
                    c, channel: ChannelLayer.channel(of: s, axis: axis, in: array.metadata))
            return ChannelLayer(plane: try read(s), colorMap: map, limits: window(s), gamma: settings.gamma)
        }
    }
}

/// The largest frame in cells, from --size or from the terminal (COLUMNS/LINES):
/// beyond any real terminal, and small enough that a frame's buffers stay well under 1 GiB.
let maxFrameCells = (columns: 2000, rows: 1000)

/// Parses `COLSxROWS` (e.g. `160x48`) for --size.
func parseCellSize(_ text: String) throws -> (columns: Int, rows: Int) {
    let parts = text.lowercased().split(separator: "x")
    guard parts.count == 2, let c = Int(parts[0]), let r = Int(parts[1]), c >= 1, r >= 1 else {
        throw UsageFailure("--size '\(text)': expected COLSxROWS, e.g. 160x48")
    }
    guard c <= maxFrameCells.columns, r <= maxFrameCells.rows else {
        throw UsageFailure("--size '\(text)': at most \(maxFrameCells.columns)x\(maxFrameCells.rows) cells")
    }
    return (c, r)
}

/// The terminal's size (else COLUMNS/LINES, else 80x24), held to the limit of --size.
func terminalCellSize() throws -> (columns: Int, rows: Int) {
    guard let (c, r) = TerminalProbe.size() else { return (80, 24) }
    guard c <= maxFrameCells.columns, r <= maxFrameCells.rows else {
        throw UsageFailure(
            "the terminal size \(c)x\(r) (or COLUMNS/LINES) is larger than \(maxFrameCells.columns)x\(maxFrameCells.rows) cells; give --size COLSxROWS"
        )
    }
    return (c, r)
}
