import ArrayModel
import Synchronization

/// Planes drawn from what is resident, for a UI that must not wait: parts
/// still loading are filled from a coarser level when one has them.
extension PlaneLoader {
    /// A rectangle of a plane: rows and columns relative to the plane's region.
    public typealias Part = (rows: Range<Int>, columns: Range<Int>)

    /// A plane assembled from resident data only.
    public struct PartialPlane: Sendable {
        public var plane: ArrayBuffer
        /// The view the plane shows, in its level's coordinates.
        public var view: PlaneSelection
        public var level: Int
        /// Parts whose chunks are still loading and that no coarser level could fill (drawn as placeholders).
        public var missing: [Part]
        /// Parts whose chunks are still loading, drawn from a coarser level, upsampled.
        public var coarse: [Part]
        /// Parts whose chunks failed to load, with the error.
        public var failed: [(rows: Range<Int>, columns: Range<Int>, message: String)]
        public var isComplete: Bool { missing.isEmpty && failed.isEmpty && coarse.isEmpty }

        public init(
            plane: ArrayBuffer, view: PlaneSelection, level: Int, missing: [Part], coarse: [Part],
            failed: [(rows: Range<Int>, columns: Range<Int>, message: String)]
        ) {
            (self.plane, self.view, self.level, self.missing, self.coarse, self.failed) = (
                plane, view, level, missing, coarse, failed
            )
        }
    }

    /// Reads the level-0 `view` at `level` from what is resident, never
    /// loading. Chunks still loading are drawn from the finest coarser level
    /// that holds their whole area, else read as the fill value and listed
    /// as missing; failed chunks are listed with their error.
    /// - Parameter counting: count the resident chunks as the view's hits (once
    ///   per view, not on every redraw while the rest arrives).
    public func residentPlane(_ view: PlaneSelection, level: Int = 0, counting: Bool = true) throws -> PartialPlane {
        let shown = level == 0 ? view : pyramid[level].selection(for: view)
        var partial = try residentLevelPlane(shown, level: level, counting: counting)
        var coarser = level + 1
        while !partial.missing.isEmpty && coarser < levels.count {
            let source = try residentLevelPlane(pyramid[coarser].selection(for: view), level: coarser, counting: false)
            var still: [Part] = []
            for part in partial.missing {
                if PlaneLoader.fill(
                    &partial.plane, part, shown: partial.view, level: pyramid[level],
                    from: source, coarse: pyramid[coarser])
                {
                    partial.coarse.append(part)
                } else {
                    still.append(part)
                }
            }
            partial.missing = still
            coarser += 1
        }
        return partial
    }

    /// Copies into `part` of `plane` (which shows `shown` of `level`) the
    /// nearest pixels of the coarser `source`, when every one of them is resident there.
    static func fill(
        _ plane: inout ArrayBuffer, _ part: Part, shown: PlaneSelection, level: PyramidLevel,
        from source: PartialPlane, coarse: PyramidLevel
    ) -> Bool {
        let (ra, ca) = (shown.rowAxis, shown.columnAxis)
        let (sr, sc) = (source.view.rows, source.view.columns)
        // Each fine row/column → the coarse one whose centre is nearest, relative to the source plane.
        let rows = part.rows.map {
            coarse.index(levelZero: level.levelZero(shown.rows.lowerBound + $0, axis: ra), axis: ra) - sr.lowerBound
        }
        let cols = part.columns.map {
            coarse.index(levelZero: level.levelZero(shown.columns.lowerBound + $0, axis: ca), axis: ca) - sc.lowerBound
        }
        guard let r0 = rows.first, let r1 = rows.last, let c0 = cols.first, let c1 = cols.last,
            r0 >= 0, c0 >= 0, r1 < sr.count, c1 < sc.count
        else { return false }
        let needed = (rows: r0..<(r1 + 1), columns: c0..<(c1 + 1))
        func meets(_ p: Part) -> Bool { p.rows.overlaps(needed.rows) && p.columns.overlaps(needed.columns) }
        guard !source.missing.contains(where: meets), !source.failed.contains(where: { meets(($0.rows, $0.columns)) })
        else {
            return false
        }
        let size = plane.dataType.size
        let (width, sourceWidth) = (plane.shape[1], source.plane.shape[1])
        source.plane.bytes.withUnsafeBytes { src in
            plane.bytes.withUnsafeMutableBytes { dst in
                for (i, k) in zip(part.rows, rows) {
                    for (j, m) in zip(part.columns, cols) {
                        let (d, s) = ((i * width + j) * size, (k * sourceWidth + m) * size)
                        for b in 0..<size { dst[d + b] = src[s + b] }
                    }
                }
            }
        }
        return true
    }

    /// Every `step`-th pixel of the level-0 `view` at `level` (`readSampledPlane`), from
    /// resident chunks only: chunks still loading read as the fill value; failed ones
    /// are listed with their error (relative to the sampled plane's region, in level pixels).
    public func residentSampledPlane(
        _ view: PlaneSelection, level: Int = 0, step: Int, counting: Bool = true
    ) throws -> PartialPlane {
        let shown = level == 0 ? view : pyramid[level].selection(for: view)
        let gaps = Gaps()
        let plane = try shown.readSampledPlane(
            levels[level].array, step: step,
            chunks: residentSource(shown, level: level, counting: counting, gaps: gaps))
        let (missing, failed) = gaps.parts.withLock { $0 }
        return PartialPlane(plane: plane, view: shown, level: level, missing: missing, coarse: [], failed: failed)
    }

    /// The plane of `shown` (level coordinates) from resident chunks of `level`.
    private func residentLevelPlane(_ shown: PlaneSelection, level: Int, counting: Bool) throws -> PartialPlane {
        let gaps = Gaps()
        let plane = try shown.readPlane(
            levels[level].array, chunks: residentSource(shown, level: level, counting: counting, gaps: gaps))
        let (missing, failed) = gaps.parts.withLock { $0 }
        return PartialPlane(plane: plane, view: shown, level: level, missing: missing, coarse: [], failed: failed)
    }

    /// A chunk source that serves resident chunks of `level` only and records the parts of
    /// `shown` it cannot serve in `gaps` (missing, or failed with the error).
    private func residentSource(
        _ shown: PlaneSelection, level: Int, counting: Bool, gaps: Gaps
    ) -> RegionReader.ChunkSource {
        let chunks = levels[level]
        return { [self] index, box in
            let key = chunks.key(index, box: box)
            for k in key.slab == nil ? [key] : [key, key.whole] {
                if let chunk = chunks.cache.cached(k, shown: counting) {
                    return chunk.buffer.map { ChunkPiece($0, origin: chunks.origin(of: k)) }
                }
            }
            // The box lies inside the view's region: make it relative to it.
            let (r, c) = (box[shown.rowAxis], box[shown.columnAxis])
            let rows = (r.lowerBound - shown.rows.lowerBound)..<(r.upperBound - shown.rows.lowerBound)
            let cols = (c.lowerBound - shown.columns.lowerBound)..<(c.upperBound - shown.columns.lowerBound)
            if let message = failure(key) ?? (key.slab != nil ? failure(key.whole) : nil) {
                gaps.parts.withLock { $0.1.append((rows, cols, message)) }
            } else {
                gaps.parts.withLock { $0.0.append((rows, cols)) }
            }
            return nil
        }
    }
}

/// The parts of a plane a resident read could not serve: missing, and failed with the error.
final class Gaps: Sendable {
    let parts = Mutex<([PlaneLoader.Part], [(rows: Range<Int>, columns: Range<Int>, message: String)])>(([], []))
}
