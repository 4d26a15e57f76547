import Dispatch

/// Reads an N-D region of a lazy array into one dense buffer, decoding only
/// the chunks that overlap it. Absent chunks read as the fill value.
public enum RegionReader {
    /// Where chunks come from: the array itself, or a cache in front of it.
    public typealias ChunkSource = @Sendable ([Int]) throws -> ArrayBuffer?

    /// - Parameter threads: chunks decoded at once (1 = in order on this thread).
    public static func read(_ array: LazyArray, region: [Range<Int>], threads: Int = 1,
                            chunks source: ChunkSource? = nil) throws -> ArrayBuffer {
        let meta = array.metadata
        precondition(region.count == meta.rank)
        for (d, r) in region.enumerated() where r.lowerBound < 0 || r.upperBound > meta.shape[d] {
            throw FormatError("region \(r.lowerBound):\(r.upperBound) is outside axis \(d) (size \(meta.shape[d]))")
        }
        let load: ChunkSource = source ?? { [array] in try array.readChunk($0) }
        let grid = meta.grid
        let indices = grid.chunks(overlapping: region)
        var loaded = [Result<ArrayBuffer?, Error>](repeating: .success(nil), count: indices.count)
        if threads > 1 && indices.count > 1 {
            let slots = ResultSlots(count: indices.count)
            DispatchQueue.concurrentPerform(iterations: indices.count) { i in
                slots.set(i, Result { try load(indices[i]) })
            }
            loaded = slots.results
        } else {
            for (i, index) in indices.enumerated() { loaded[i] = Result { try load(index) } }
        }
        var out = ArrayBuffer(dataType: meta.dataType, shape: region.map(\.count), filledWith: meta.fillValue)
        let origin = region.map(\.lowerBound)
        for (i, index) in indices.enumerated() {
            guard let chunk = try loaded[i].get() else { continue }
            let chunkRegion = grid.region(of: index)
            let box = zip(chunkRegion, region).map { max($0.lowerBound, $1.lowerBound)..<min($0.upperBound, $1.upperBound) }
            RegionCopy.copy(chunk, origin: chunkRegion.map(\.lowerBound), into: &out, regionOrigin: origin, box: box)
        }
        return out
    }
}

/// Per-index results written from several threads (each slot by one thread only).
private final class ResultSlots: @unchecked Sendable {
    private let base: UnsafeMutablePointer<Result<ArrayBuffer?, Error>>
    private let count: Int
    init(count: Int) {
        self.count = count
        base = .allocate(capacity: count)
        base.initialize(repeating: .success(nil), count: count)
    }
    deinit { base.deinitialize(count: count); base.deallocate() }
    func set(_ i: Int, _ r: Result<ArrayBuffer?, Error>) { base[i] = r }
    var results: [Result<ArrayBuffer?, Error>] { Array(UnsafeBufferPointer(start: base, count: count)) }
}
