import ArgumentParser
import Rendering

/// Look options shared by view, demo and render (SPEC §1).
struct RenderOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Glyphs: half (default), quad, braille, ascii.", valueName: "MODE"))
    var mode: String?

    @Option(help: ArgumentHelp("Colours: truecolor, 256, 16, none (default: detected; VSTACK_COLOR also sets it).", valueName: "DEPTH"))
    var color: String?

    @Option(help: ArgumentHelp("Colour map: \(ColorMap.names.joined(separator: ", ")).", valueName: "NAME"))
    var cmap: String = "gray"

    @Option(help: ArgumentHelp("Contrast limits in data units (default: 0.5 and 99.5 percentiles of the visible region).", valueName: "LO,HI"))
    var clim: String?

    @Option(help: ArgumentHelp("Gamma applied after the contrast limits.", valueName: "G"))
    var gamma: Double = 1

    @Option(help: ArgumentHelp("How data pixels become screen pixels: mean (default), max, nearest.", valueName: "MODE"))
    var downsample: String = "mean"

    /// Resolves the options against the environment (locale, TERM, COLORTERM).
    func settings() throws -> RenderSettings {
        var s = RenderSettings()
        if let mode {
            guard let m = GlyphMode(rawValue: mode) else { throw UsageFailure("--mode '\(mode)': expected half, quad, braille or ascii") }
            s.mode = m
        } else {
            s.mode = TerminalProbe.utf8Locale() ? .half : .ascii
        }
        do {
            s.depth = try ColorDepth.detect(option: color, environment: TerminalProbe.environment(),
                                            terminfoColors: TerminalProbe.terminfoColors())
        } catch { throw UsageFailure("\(error)") }
        if s.depth == .none && mode == nil { s.mode = .ascii }
        guard let map = ColorMap.named(cmap) else {
            throw UsageFailure("--cmap '\(cmap)': unknown colour map (choose from \(ColorMap.names.joined(separator: ", ")))")
        }
        s.colorMap = map
        guard let d = DownsampleMode(rawValue: downsample) else { throw UsageFailure("--downsample '\(downsample)': expected mean, max or nearest") }
        s.downsample = d
        if let clim {
            let parts = clim.split(separator: ",").map { Double($0.trimmingCharacters(in: " ")) }
            guard parts.count == 2, let lo = parts[0], let hi = parts[1], lo.isFinite, hi.isFinite, lo <= hi else {
                throw UsageFailure("--clim '\(clim)': expected LO,HI with LO <= HI, e.g. 100,4000")
            }
            s.limits = (lo, hi)
        }
        guard gamma > 0 && gamma.isFinite else { throw UsageFailure("--gamma \(gamma): must be positive") }
        s.gamma = gamma
        return s
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        String(String(drop(while: { set.contains($0) })).reversed().drop(while: { set.contains($0) }).reversed())
    }
}
