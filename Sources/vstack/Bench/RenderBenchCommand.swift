import ArgumentParser
import Formats
import Rendering

/// Times rendering one plane (already in memory) to a frame and its ANSI bytes.
struct RenderBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render one plane repeatedly; print time per frame and bytes per frame.")

    @Argument(help: "A Zarr array directory, or demo:.")
    var path: String

    @OptionGroup var plane: PlaneOptions
    @OptionGroup var look: RenderOptions

    @Option(help: ArgumentHelp("Frame size in cells.", valueName: "COLSxROWS"))
    var size: String = "160x48"

    @Option(help: "Frames to render.")
    var frames: Int = 50

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let (columns, rows) = try parseCellSize(size)
        let settings = try look.settings()
        let array = try plane.open(path)
        let layers = try look.layers(array, try plane.selection(for: array), settings) { try $0.readPlane(array) }
        var bytes = 0
        var times: [Double] = []
        for _ in 0..<max(1, frames) {
            let t0 = Clock.now()
            let rendered = Renderer.composite(layers, settings: settings, columns: columns, rows: rows)
            bytes = ANSIWriter.frameBytes(rendered.frame).count
            times.append(Clock.now() - t0)
        }
        times.sort()
        let median = times[times.count / 2], best = times[0]
        if json {
            print(
                "{\"frames\": \(times.count), \"median_ms\": \(median * 1000), \"best_ms\": \(best * 1000), \"bytes_per_frame\": \(bytes), \"mode\": \"\(settings.mode.name)\", \"color\": \"\(settings.depth.rawValue)\"}"
            )
        } else {
            print("\(times.count) frames: median \(median * 1000) ms, best \(best * 1000) ms, \(bytes) bytes a frame")
        }
    }
}
