import Foundation
import ArgumentParser
import Cache
import Formats
import Rendering

#if canImport(Glibc)
import Glibc
#endif

/// Holds a key down without a terminal: asks the viewer core for a new plane
/// every 1/HZ seconds, one step along an axis, and measures whether the data
/// was already there (prefetch) and how long each frame took to complete.
struct ScrubBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scrub",
        abstract: "Scrub along an axis at a fixed rate; report on-time frames, latency percentiles and peak RSS.")

    @Argument(help: "A Zarr array directory, or demo: (demo:?latency=50ms simulates slow storage).")
    var path: String

    @Option(help: "The axis to scrub (default: z, else the first non-displayed axis).")
    var axis: String?

    @Option(help: "Frames to request.")
    var steps: Int = 150

    @Option(help: "Frames (steps) per second.")
    var rate: Double = 30

    @Option(help: ArgumentHelp("Frame size in cells.", valueName: "COLSxROWS"))
    var size: String = "160x48"

    @Flag(help: "Turn prefetch off (for comparison): only the visible chunks are loaded.")
    var noPrefetch = false

    @Option(help: "Loads at once (default: one per core, more for slow storage).")
    var workers: Int?

    @Option(help: "Fraction of the cache prefetch may fill (default 0.5).")
    var prefetchBudget: Double?

    @Option(help: "How far prefetch looks, in steps ahead (default 16).")
    var prefetchHorizon: Double?

    @Flag(help: "Print one line per frame on stderr: index, ready, latency, what it showed.")
    var trace = false

    @OptionGroup var plane: PlaneOptions
    @OptionGroup var caching: CacheOptions

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        guard steps > 0, rate > 0 else { throw UsageFailure("--steps and --rate must be positive") }
        let (columns, rows) = try parseCellSize(size)
        let array = try plane.open(path)
        var view = try plane.selection(for: array)
        let scrubAxis = try ScrubBenchCommand.axis(axis, view)
        let cache = try caching.makeCache()
        var policy = PrefetchPolicy()
        if let prefetchBudget { policy.budgetFraction = prefetchBudget }
        if let prefetchHorizon { policy.horizon = prefetchHorizon }
        if noPrefetch { policy.budgetFraction = 0 }
        let loader = PlaneLoader(array: array, cache: cache, policy: policy, workers: workers)
        defer { loader.stop() }
        let channelAxis = view.axisNames.firstIndex(of: "c")
        let settings = RenderSettings()
        let count = array.metadata.shape[scrubAxis]
        let start = view.indices[scrubAxis]
        let period = Double(1) / rate

        var latencies: [Double] = []
        var onTime = 0, counted = 0
        let t0 = Clock.now()
        for i in 0..<steps {
            let due = t0 + Double(i) * period
            let now = Clock.now()
            if now < due { usleep(useconds_t((due - now) * 1e6)) }
            view.indices[scrubAxis] = ScrubBenchCommand.bounce(start + i, count: count)
            let plan = loader.show([view], channelAxis: channelAxis)
            // On time: everything the frame needs is resident when its time comes
            // (a frame asked for more than half a period late is not on time).
            let ready = plan.visible.allSatisfy { loader.isResident($0) } && Clock.now() - due < period / 2
            if i >= 5 {
                counted += 1
                if ready { onTime += 1 }
            }
            guard loader.waitUntilLoaded(plan.visible, timeout: 120) else {
                throw RuntimeFailure("frame \(i) did not load in 120 s")
            }
            let data = try loader.readPlane(view)
            let layer = ChannelLayer(plane: data, colorMap: settings.colorMap, limits: nil, gamma: 1)
            _ = ANSIWriter.frameBytes(
                Renderer.composite([layer], settings: settings, columns: columns, rows: rows).frame)
            let latency = Clock.now() - due
            latencies.append(latency)
            if trace {
                let slabs = plan.visible.filter { $0.slab != nil }.count
                CLI.printError(
                    "frame \(i) \(view.axisNames[scrubAxis])=\(view.indices[scrubAxis]) \(ready ? "ready" : "wait ") \(fmt(latency * 1000)) ms, \(plan.visible.count) chunks (\(slabs) slabs), \(plan.prefetch.count) prefetch \(plan.prefetch.prefix(12)), \(loader.scheduler.pending) pending"
                )
            }
        }
        let sorted = latencies.sorted()
        func percentile(_ p: Double) -> Double {
            sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))] * 1000
        }
        let fraction = counted == 0 ? 1 : Double(onTime) / Double(counted)
        let rss = ResourceUsage.peakResidentBytes()
        if json {
            print(
                "{\"frames\": \(steps), \"on_time_fraction\": \(fraction), \"p50_ms\": \(percentile(0.5)), \"p99_ms\": \(percentile(0.99)), \"max_ms\": \(sorted.last! * 1000), \"peak_rss_bytes\": \(rss), \"dropped_loads\": \(loader.scheduler.dropped), \"axis\": \"\(view.axisNames[scrubAxis])\", \"rate\": \(rate), \(CacheOptions.statisticsFields(cache, array))}"
            )
        } else {
            print(
                "\(steps) frames along \(view.axisNames[scrubAxis]) at \(rate)/s: \(Int((fraction * 100).rounded()))% on time, p50 \(fmt(percentile(0.5))) ms, p99 \(fmt(percentile(0.99))) ms, peak RSS \(rss >> 20) MiB, \(array.bytesRead >> 20) MiB read"
            )
        }
        caching.report(cache, array)
    }

    private func fmt(_ ms: Double) -> String { String(Double(Int(ms * 10)) / 10) }

    /// The axis named by --axis, else z, else the first non-displayed one.
    static func axis(_ name: String?, _ view: PlaneSelection) throws -> Int {
        let free = view.indices.indices.filter { $0 != view.rowAxis && $0 != view.columnAxis }
        if let name {
            guard let a = view.axisNames.firstIndex(of: name) ?? Int(name), free.contains(a) else {
                throw UsageFailure(
                    "--axis '\(name)': not a non-displayed axis (axes are \(AxisNames.compact(view.axisNames)))")
            }
            return a
        }
        if let z = view.axisNames.firstIndex(of: "z"), free.contains(z) { return z }
        guard let first = free.first(where: { view.axisNames[$0] != "c" }) ?? free.first else {
            throw UsageFailure("the array has no axis to scrub besides the displayed ones")
        }
        return first
    }

    /// Position `i` walking 0, 1, …, n−1, n−2, …: a user holding a key, turning at the ends.
    static func bounce(_ i: Int, count n: Int) -> Int {
        guard n > 1 else { return 0 }
        let p = i % (2 * (n - 1))
        return p < n ? p : 2 * (n - 1) - p
    }
}

/// Peak resident memory of this process.
enum ResourceUsage {
    /// `VmHWM` from /proc/self/status: the high-water mark of this process
    /// image. (getrusage's ru_maxrss survives execve on Linux, so a child of
    /// a big Python process would report the parent's peak.)
    static func peakResidentBytes() -> Int {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kib = Int(line.split(separator: " ").dropFirst().first ?? "")
        {
            return kib * 1024
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
    }
}
