extension PlaneSelection {
    /// The shape of the every-`step`-th-pixel plane: ⌈rows/step⌉ × ⌈columns/step⌉.
    public func sampledShape(step: Int) -> [Int] {
        [(rows.count + step - 1) / step, (columns.count + step - 1) / step]
    }

    /// Every `step`-th pixel of the plane along rows and columns, counted from the
    /// region's start, read chunk by chunk (chunks holding no sample are not asked
    /// for): what a label overlay needs when a screen pixel covers many label pixels,
    /// without assembling the whole plane. Chunks the source returns nil for read as
    /// the fill value.
    public func readSampledPlane(
        _ array: LazyArray, step: Int, chunks source: RegionReader.ChunkSource
    ) throws -> ArrayBuffer {
        precondition(step >= 1)
        let meta = array.metadata
        let grid = meta.grid
        let shape = sampledShape(step: step)
        var out = ArrayBuffer(dataType: meta.dataType, shape: shape, filledWith: meta.fillValue)
        let size = meta.dataType.size
        let (ra, ca) = (rowAxis, columnAxis)
        // The first sample at or after `lo` on an axis starting at `start`.
        func first(_ lo: Int, _ start: Int) -> Int { start + (lo - start + step - 1) / step * step }
        for index in grid.chunks(overlapping: region) {
            let box = grid.overlap(of: index, with: region)
            let r0 = first(box[ra].lowerBound, rows.lowerBound), c0 = first(box[ca].lowerBound, columns.lowerBound)
            guard r0 < box[ra].upperBound && c0 < box[ca].upperBound, let piece = try source(index, box) else {
                continue
            }
            var strides = [Int](repeating: 1, count: piece.buffer.shape.count)
            for d in stride(from: strides.count - 2, through: 0, by: -1) {
                strides[d] = strides[d + 1] * piece.buffer.shape[d + 1]
            }
            var base = 0
            for d in indices.indices where d != ra && d != ca { base += (indices[d] - piece.origin[d]) * strides[d] }
            piece.buffer.bytes.withUnsafeBytes { src in
                out.bytes.withUnsafeMutableBytes { dst in
                    for r in stride(from: r0, to: box[ra].upperBound, by: step) {
                        let rowBase = base + (r - piece.origin[ra]) * strides[ra]
                        let outRow = (r - rows.lowerBound) / step * shape[1]
                        for c in stride(from: c0, to: box[ca].upperBound, by: step) {
                            let s = (rowBase + (c - piece.origin[ca]) * strides[ca]) * size
                            let o = (outRow + (c - columns.lowerBound) / step) * size
                            for b in 0..<size { dst[o + b] = src[s + b] }
                        }
                    }
                }
            }
        }
        return out
    }
}
