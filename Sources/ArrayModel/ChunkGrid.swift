/// A regular chunk grid. Chunks at the far edges may extend past the array
/// (they are stored whole, as Zarr does); `region(of:)` clips them.
public struct ChunkGrid: Sendable, Equatable {
    public let shape: [Int]
    public let chunkShape: [Int]

    public init(shape: [Int], chunkShape: [Int]) {
        precondition(shape.count == chunkShape.count && chunkShape.allSatisfy { $0 > 0 })
        self.shape = shape
        self.chunkShape = chunkShape
    }

    /// Chunks along each axis (a ceiling division that cannot overflow).
    public var gridShape: [Int] { zip(shape, chunkShape).map { $0 / $1 + ($0 % $1 == 0 ? 0 : 1) } }
    /// Saturates at Int.max; sources check their layout at open (`CheckedSize.checkLayout`),
    /// so the saturated values are never used as sizes.
    public var chunkCount: Int { CheckedSize.product(gridShape) ?? .max }
    public var elementsPerChunk: Int { CheckedSize.product(chunkShape) ?? .max }

    /// The part of the array a chunk covers, clipped to the array.
    public func region(of index: [Int]) -> [Range<Int>] {
        (0..<shape.count).map { d in
            let lo = index[d] * chunkShape[d]
            return lo..<(lo + min(chunkShape[d], shape[d] - lo))
        }
    }

    /// The N-D index of the chunk at flat C-order position `flat`.
    public func chunkIndex(flat: Int) -> [Int] { unravel(flat, gridShape) }

    /// The part of `region` that chunk `index` holds (array coordinates).
    public func overlap(of index: [Int], with region: [Range<Int>]) -> [Range<Int>] {
        zip(self.region(of: index), region).map {
            max($0.lowerBound, $1.lowerBound)..<min($0.upperBound, $1.upperBound)
        }
    }

    /// The first and last chunk along each axis that a region overlaps, flattened
    /// (`[first0, last0, first1, last1, …]`): two regions with the same span overlap the same
    /// chunks. Empty for an empty region.
    public func chunkSpan(_ region: [Range<Int>]) -> [Int] {
        if region.contains(where: { $0.isEmpty }) { return [] }
        var span: [Int] = []
        span.reserveCapacity(2 * region.count)
        for (d, r) in region.enumerated() {
            span.append(r.lowerBound / chunkShape[d])
            span.append((r.upperBound - 1) / chunkShape[d])
        }
        return span
    }

    /// Indices of the chunks that overlap a region, in C order.
    public func chunks(overlapping region: [Range<Int>]) -> [[Int]] {
        if region.contains(where: { $0.isEmpty }) { return [] }
        let ranges = (0..<shape.count).map { d in
            (region[d].lowerBound / chunkShape[d])...((region[d].upperBound - 1) / chunkShape[d])
        }
        var out: [[Int]] = []
        var idx = ranges.map { $0.lowerBound }
        if shape.isEmpty { return [[]] }
        while true {
            out.append(idx)
            var d = shape.count - 1
            while d >= 0 {
                idx[d] += 1
                if idx[d] <= ranges[d].upperBound { break }
                idx[d] = ranges[d].lowerBound
                d -= 1
            }
            if d < 0 { return out }
        }
    }
}

/// Flat C-order index → N-D index.
public func unravel(_ flat: Int, _ shape: [Int]) -> [Int] {
    var idx = [Int](repeating: 0, count: shape.count)
    var r = flat
    for d in stride(from: shape.count - 1, through: 0, by: -1) {
        idx[d] = r % shape[d]
        r /= shape[d]
    }
    return idx
}
