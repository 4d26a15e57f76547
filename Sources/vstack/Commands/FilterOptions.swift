import ArgumentParser
import Cache
import Formats
import Processing

/// `--filter` and the working resolution (SPEC §1, §4), for view, demo and render.
struct FilterOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Operators applied to the shown region, e.g. 'gaussian(2)|threshold(otsu)' (vstack operators lists them).",
            valueName: "PIPELINE"))
    var filter: String?

    @Option(
        help: ArgumentHelp(
            "Filter at full resolution up to this many shown pixels, else on a downsampled plane.", valueName: "N"))
    var maxWorkPixels: Int = PlaneFilter.defaultMaxWorkPixels

    @Flag(help: "render: filter at full resolution whatever the size.")
    var fullRes = false

    func validate() throws {
        guard maxWorkPixels >= 1 else {
            throw ValidationError("--max-work-pixels \(maxWorkPixels): expected a count ≥ 1")
        }
    }

    func pipeline() throws -> Pipeline? { try filter.map(FilterOptions.parse) }

    /// Parses a pipeline for the command line: `--filter: unknown operator … at column 1 (did you mean …?)`.
    static func parse(_ text: String) throws -> Pipeline {
        do {
            return try Pipeline(text)
        } catch let e as PipelineSyntaxError {
            throw UsageFailure(e, context: "--filter")
        }
    }

    /// The factor the shown region is filtered at.
    func factor(_ view: PlaneSelection) -> Int {
        fullRes
            ? 1
            : PlaneFilter.workingFactor(
                rows: view.rows.count, columns: view.columns.count, maxWorkPixels: maxWorkPixels)
    }
}

extension CacheOptions {
    /// The plane of `view` after `pipeline`, read through the cache on every core.
    func filteredPlane(
        _ pipeline: Pipeline, _ view: PlaneSelection, _ array: LazyArray, _ cache: ChunkCache,
        factor: Int = 1, limit: PlaneLimit = .wholePlane
    ) throws -> FilteredPlane {
        do {
            // A pyramid's coarse level serves a downsampled working resolution (factor > 1).
            let levels = array.pyramid
            // At full resolution the region (and its halo) is read whole as floats: bounded before
            // anything is read. A working factor > 1 folds block means chunk by chunk instead.
            if factor == 1 {
                try checkPlaneSize(view, array, bytesPerPixel: max(4, array.metadata.dataType.size), limit)
            }
            return try PlaneFilter.apply(pipeline, to: view, levels: levels, factor: factor, threads: System.coreCount)
            { i in
                CachedChunks(cache: cache, array: levels[i].array, level: i).source
            }
        } catch let e as FilterError {
            throw UsageFailure(e, context: "--filter")
        }
    }
}
