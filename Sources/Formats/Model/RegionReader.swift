/// Reads an N-D region of a lazy array into one dense buffer, decoding only
/// the chunks that overlap it. Absent chunks read as the fill value.
public enum RegionReader {
    public static func read(_ array: LazyArray, region: [Range<Int>]) throws -> ArrayBuffer {
        let meta = array.metadata
        precondition(region.count == meta.rank)
        for (d, r) in region.enumerated() where r.lowerBound < 0 || r.upperBound > meta.shape[d] {
            throw FormatError("region \(r.lowerBound):\(r.upperBound) is outside axis \(d) (size \(meta.shape[d]))")
        }
        let grid = meta.grid
        var out = ArrayBuffer(dataType: meta.dataType, shape: region.map(\.count), filledWith: meta.fillValue)
        let origin = region.map(\.lowerBound)
        for index in grid.chunks(overlapping: region) {
            guard let chunk = try array.readChunk(index) else { continue }
            let chunkRegion = grid.region(of: index)
            let box = zip(chunkRegion, region).map { max($0.lowerBound, $1.lowerBound)..<min($0.upperBound, $1.upperBound) }
            RegionCopy.copy(chunk, origin: chunkRegion.map(\.lowerBound), into: &out, regionOrigin: origin, box: box)
        }
        return out
    }
}
