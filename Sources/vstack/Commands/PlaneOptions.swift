import ArrayModel
import ArgumentParser
import Cache
import Formats
import Rendering

#if canImport(Glibc)
import Glibc
#endif

/// The view options shared by view, demo, render and export (SPEC §1).
struct PlaneOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Index of non-displayed axes by name or position, e.g. z=10,t=3 (default: the middle).",
            valueName: "AXIS=I,..."))
    var at: String?

    @Option(help: ArgumentHelp("Name the axes of an array that carries no names, e.g. ctzyx.", valueName: "NAMES"))
    var axes: String?

    @Option(
        help: ArgumentHelp("The two displayed axes (default: y,x when named, else the last two).", valueName: "Y,X"))
    var display: String?

    @Option(help: ArgumentHelp("Data region of the displayed plane (default: all of it).", valueName: "Y0:Y1,X0:X1"))
    var region: String?

    @Option(
        help: ArgumentHelp(
            "Multiscale level to read (0 = full resolution); --at and --region are then in that level's pixels (default: chosen from the zoom).",
            valueName: "N"))
    var level: Int?

    @OptionGroup(title: "Remote data")
    var remote: RemoteCommandOptions

    /// Opens the dataset, and with --level that level of it as the array.
    func open(_ path: String) throws -> LazyArray {
        remote.apply()
        let array = try Dataset.open(path)
        guard let level else { return array }
        let levels = array.pyramid
        guard level >= 0 && level < levels.count else {
            throw UsageFailure(
                "--level \(level): \(path) has \(levels.count == 1 ? "one level (0)" : "levels 0..\(levels.count - 1)")"
            )
        }
        // The level alone: its own pixel coordinates, the image's channels, no level choice.
        return levels.count == 1 ? array : LevelArray(levels[level].array, of: array)
    }

    func selection(for array: LazyArray) throws -> PlaneSelection {
        let m = array.metadata
        guard m.rank >= 2 else {
            throw UsageFailure(
                "\(m.location): the array has \(m.rank) dimension\(m.rank == 1 ? "" : "s"); vstack shows 2-D planes of arrays with at least 2"
            )
        }
        // An extent of 0 is a valid (empty) array: it opens, but has no plane.
        guard !m.shape.contains(0) else {
            throw DatasetError(
                m.location,
                "the array is empty (shape (\(m.shape.map(String.init).joined(separator: ", ")))): there is no plane to show"
            )
        }
        do {
            return try PlaneSelection(array.metadata, axes: axes, at: at, display: display, region: region)
        } catch let e as SelectionError {
            throw e.at(m.location)
        }
    }
}

/// The chunk cache options of view, demo, render and export (SPEC §1, §3).
struct CacheOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Chunk cache budget, e.g. 512MiB, 4GiB.", valueName: "SIZE"))
    var cache: String = "1GiB"

    @Flag(help: "Print the cache statistics as JSON on stderr at exit.")
    var stats = false

    func makeCache() throws -> ChunkCache {
        guard let bytes = ByteSize.parse(cache) else {
            throw UsageFailure("--cache '\(cache)': expected a size such as 512MiB or 4GiB")
        }
        let cache = ChunkCache(budget: bytes)
        // Decoded shard indexes (Zarr v3 sharding) stay under the same budget: 1/32 of it.
        ShardIndexCache.setBudget(cache.setAside(bytes / 32))
        return cache
    }

    /// The most a plane read whole may take: export holds it to --cache (at least
    /// 1 GiB: the cache bounds chunks, a small one still exports a small plane);
    /// render to 4 GiB (planes over 32 MiB are reduced chunk by chunk instead; this bounds
    /// the rest, e.g. `--full-res` filters).
    enum PlaneLimit {
        case cacheBudget
        case wholePlane

        static let wholePlaneBytes = 4 << 30
        static let minimumExportBytes = 1 << 30
    }

    /// Refuses, before anything is read or allocated, a plane whose buffer
    /// (`bytesPerPixel` a pixel: the dtype, or 4 for filters' floats) exceeds the limit.
    func checkPlaneSize(_ selection: PlaneSelection, _ array: LazyArray, bytesPerPixel: Int, _ limit: PlaneLimit) throws
    {
        let budget =
            limit == .cacheBudget
            ? max(ByteSize.parse(cache) ?? 0, PlaneLimit.minimumExportBytes) : PlaneLimit.wholePlaneBytes
        let bytes = CheckedSize.product([selection.rows.count, selection.columns.count, bytesPerPixel]) ?? .max
        guard bytes > budget else { return }
        let size = ByteSize.describe(budget, compact: true)
        let what =
            limit == .cacheBudget
            ? "the \(size) export holds (--cache, at least 1 GiB)" : "the \(size) a plane may take"
        let more = limit == .cacheBudget ? " (or a larger --cache)" : ""
        throw DatasetError(
            array.metadata.location,
            "the plane (\(selection.rows.count)x\(selection.columns.count) pixels, \(ByteSize.describe(bytes, compact: true))) is more than \(what); ask for a smaller --region, e.g. --region 0:1024,0:1024\(more)"
        )
    }

    /// Reads the plane through the cache, decoding its chunks on every core.
    /// - Parameter level: the pyramid level `array` is (its chunks are cached as the viewer's of that level).
    /// - Parameter onChunk: called after each chunk is read (a figure's progress).
    func readPlane(
        _ selection: PlaneSelection, _ array: LazyArray, _ cache: ChunkCache, level: Int = 0,
        limit: PlaneLimit = .wholePlane, onChunk: @escaping @Sendable () -> Void = {}
    ) throws -> ArrayBuffer {
        try checkPlaneSize(selection, array, bytesPerPixel: array.metadata.dataType.size, limit)
        let source = CachedChunks(cache: cache, array: array, level: level).source
        return try selection.readPlane(
            array, threads: System.loadThreads(array),
            chunks: { index, box in
                defer { onChunk() }
                return try source(index, box)
            })
    }

    /// The screen pixels of `view` (width×height, downsampled by `mode`) folded chunk by chunk
    /// through the cache on every core, as a float32 plane, with its auto contrast.
    func reducedPlane(
        _ view: PlaneSelection, _ array: LazyArray, _ cache: ChunkCache, level: Int = 0, width: Int, height: Int,
        mode: DownsampleMode, onChunk: @escaping @Sendable () -> Void = {}
    ) throws -> (plane: ArrayBuffer, contrast: Contrast) {
        let reduction = PlaneReduction(
            view: view, dataType: array.metadata.dataType, width: width, height: height, mode: mode)
        try reduction.run(
            array, source: CachedChunks(cache: cache, array: array, level: level).source,
            threads: System.loadThreads(array), progress: onChunk)
        let image = reduction.image().image
        return (ArrayBuffer(float32: image.pixels, shape: [height, width]), reduction.autoContrast())
    }

    /// - Parameter extra: more JSON fields, starting with a comma.
    func report(_ cache: ChunkCache, _ array: LazyArray, extra: String = "") {
        guard stats else { return }
        CLI.printError(
            "{" + CacheOptions.statisticsFields(cache, array)
                + ", \"peak_rss_bytes\": \(ResourceUsage.peakResidentBytes())"
                + RemoteCommandOptions.statisticsField() + extra + "}")
    }
}

extension CacheOptions {
    /// `"hits": 3, "misses": 1, …` for --stats and the bench reports.
    static func statisticsFields(_ cache: ChunkCache, _ array: LazyArray) -> String {
        let s = cache.statistics
        let fields: [(String, Int)] = [
            ("hits", s.hits), ("misses", s.misses), ("shared_loads", s.sharedLoads), ("loads", s.loads),
            ("prefetch_loads", s.prefetchLoads), ("prefetch_hits", s.prefetchHits), ("failures", s.failures),
            ("evictions", s.evictions), ("bytes_read", array.bytesRead), ("bytes_decoded", s.bytesDecoded),
            ("used_bytes", s.usedBytes), ("budget", s.budget), ("entries", s.entries), ("in_flight", s.inFlight),
        ]
        return fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ")
    }
}
