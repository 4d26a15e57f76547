import ArgumentParser
import Cache
import Formats
import Rendering
import TUI

/// Zooms in step by step to 1:1 and back out, as the `+`/`-` keys do, and
/// measures for each step the time from the key to a frame with data
/// everywhere (`filled`: fine or coarse-filled) and to the complete frame.
struct ZoomBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zoom",
        abstract:
            "Zoom in to 1:1 and back; report per step the ms from the key to a filled frame and to a complete one.")

    @Argument(help: "A dataset (an OME-Zarr pyramid, or demo:?levels=4).")
    var path: String

    @Option(help: ArgumentHelp("Frame size in cells.", valueName: "COLSxROWS"))
    var size: String = "160x48"

    @Option(help: "Steps in (then as many out).")
    var steps: Int = 6

    @OptionGroup var plane: PlaneOptions
    @OptionGroup var caching: CacheOptions

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let (columns, rows) = try parseCellSize(size)
        let array = try plane.open(path)
        let cache = try caching.makeCache()
        let session = ViewSession(array: array, cache: cache, wake: {})
        defer { session.stop() }
        var state = ViewState(selection: try plane.selection(for: array), shape: array.metadata.shape)
        let pane = ViewState.Pane(columns: columns, rows: rows - 2)
        state.fitRegion(pane)
        func plan() -> FramePlan {
            session.plan(
                FrameRequest(views: [state.selection], size: .cells(columns: columns, rows: rows - 1), mode: .half))
        }
        // The fit view first, complete: the coarse levels a user has seen are resident.
        let first = plan()
        session.request(first)
        _ = session.waitUntilDrawn(first, complete: true, timeout: 300)
        var records: [(String, Int, Double, Double)] = []
        let actions = Array(repeating: Action.zoomIn, count: steps) + Array(repeating: .zoomOut, count: steps)
        for action in actions {
            let t0 = Clock.now()
            state.apply(action, pane: pane)
            let shown = plan()
            session.request(shown)
            guard session.waitUntilDrawn(shown, complete: false) else { throw RuntimeFailure("no frame in 60 s") }
            let inputs = try session.resident(shown, counting: false)
            _ = ANSIWriter.frameBytes(
                Renderer.render(inputs.planes[0].plane, settings: RenderSettings(), columns: columns, rows: rows - 1)
                    .frame)
            let filled = Clock.now() - t0
            guard session.waitUntilDrawn(shown, complete: true) else {
                throw RuntimeFailure("no complete frame in 60 s")
            }
            let complete = Clock.now() - t0
            let zoom =
                state.scale.map { $0 >= 1 ? "1:\(String(format: "%.3g", $0))" : "\(String(format: "%.3g", 1 / $0)):1" }
                ?? "fit"
            records.append((zoom, shown.level, filled * 1000, complete * 1000))
        }
        if json {
            let rows = records.map {
                "{\"zoom\": \"\($0.0)\", \"level\": \($0.1), \"filled_ms\": \($0.2), \"complete_ms\": \($0.3)}"
            }
            print(
                "{\"steps\": [\(rows.joined(separator: ", "))], \"peak_rss_bytes\": \(ResourceUsage.peakResidentBytes()), \(CacheOptions.statisticsFields(cache, array))}"
            )
        } else {
            for r in records {
                print(
                    "\(r.0.padding(toLength: 10, withPad: " ", startingAt: 0)) L\(r.1)  filled \(String(format: "%.1f", r.2)) ms  complete \(String(format: "%.1f", r.3)) ms"
                )
            }
        }
    }
}
