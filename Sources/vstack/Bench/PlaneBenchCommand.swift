import ArgumentParser
import Cache
import Formats
import Rendering
import TUI

/// Time to the first complete frame from a cold cache: open, load, render.
struct PlaneBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plane",
        abstract: "Open an array and show one plane from a cold cache; report the time to the first complete frame.")

    @Argument(help: "A Zarr array directory, or demo:.")
    var path: String

    @Option(help: ArgumentHelp("Frame size in cells.", valueName: "COLSxROWS"))
    var size: String = "160x48"

    @OptionGroup var plane: PlaneOptions
    @OptionGroup var caching: CacheOptions

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let (columns, rows) = try parseCellSize(size)
        let t0 = Clock.now()
        let array = try plane.open(path)
        let opened = Clock.now()
        let view = try plane.selection(for: array)
        let cache = try caching.makeCache()
        let session = ViewSession(array: array, cache: cache, wake: {})
        defer { session.stop() }
        // As the viewer draws it: the zoom's level, the coarsest first, or chunk by chunk for a huge plane.
        let plan = session.plan(FrameRequest(views: [view], size: .cells(columns: columns, rows: rows), mode: .half))
        session.request(plan)
        let planned = Clock.now()
        guard session.waitUntilDrawn(plan, complete: true, timeout: 300) else {
            throw RuntimeFailure("the plane did not load in 300 s")
        }
        if let failure = session.failure(plan) { throw RuntimeFailure(failure) }
        let loaded = Clock.now()
        let inputs = try session.resident(plan, counting: false)
        let assembled = Clock.now()
        var settings = RenderSettings()
        settings.limits = inputs.reducedLimits.first ?? nil
        let frame = ANSIWriter.frameBytes(
            Renderer.render(inputs.planes[0].plane, settings: settings, columns: columns, rows: rows).frame)
        let done = Clock.now()
        let reduced = plan.image == .reduce
        let visible = reduced ? [] : plan.imageKeys(session.loader.levels)
        let slabs = visible.filter { $0.slab != nil }.count
        if json {
            print(
                "{\"first_frame_ms\": \((done - t0) * 1000), \"open_ms\": \((opened - t0) * 1000), \"planned_ms\": \((planned - t0) * 1000), \"loaded_ms\": \((loaded - t0) * 1000), \"plane_ms\": \((assembled - t0) * 1000), \"level\": \(plan.level), \"reduced\": \(reduced), \"visible_chunks\": \(visible.count), \"slab_reads\": \(slabs), \"frame_bytes\": \(frame.count), \"peak_rss_bytes\": \(ResourceUsage.peakResidentBytes()), \(CacheOptions.statisticsFields(cache, array))}"
            )
        } else {
            print(
                "first frame in \(Int(((done - t0) * 1000).rounded())) ms (open \(Int(((opened - t0) * 1000).rounded())) ms), level \(plan.level)\(reduced ? ", reduced chunk by chunk" : ""), \(visible.count) chunks (\(slabs) read as slabs), \(array.bytesRead >> 10) KiB read"
            )
        }
        caching.report(cache, array)
    }
}
