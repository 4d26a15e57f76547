import Foundation
import Threads

/// Reads an N-D region of a lazy array into one dense buffer, decoding only
/// the chunks that overlap it. Absent chunks read as the fill value.
public enum RegionReader {
    /// Where chunks come from: the array itself, or a cache in front of it.
    /// Called with a chunk index and the part of that chunk the region needs
    /// (array coordinates); returns a buffer covering at least that part, or
    /// nil for an absent chunk (fill value).
    public typealias ChunkSource = @Sendable (_ index: [Int], _ box: [Range<Int>]) throws -> ChunkPiece?

    /// The whole-chunk source for an array, without a cache.
    public static func wholeChunks(_ array: LazyArray) -> ChunkSource {
        let grid = array.metadata.grid
        return { [array] index, _ in
            try array.readChunk(index).map { ChunkPiece($0, origin: grid.region(of: index).map(\.lowerBound)) }
        }
    }

    /// - Parameter threads: chunks loaded at once (1 = in order on this thread). More than the
    ///   cores makes sense for sources that wait on a network (`preferredConcurrency`).
    public static func read(
        _ array: LazyArray, region: [Range<Int>], threads: Int = 1,
        chunks source: ChunkSource? = nil
    ) throws -> ArrayBuffer {
        let meta = array.metadata
        precondition(region.count == meta.rank)
        for (d, r) in region.enumerated() where r.lowerBound < 0 || r.upperBound > meta.shape[d] {
            throw FormatError.regionOutside(
                lowerBound: r.lowerBound, upperBound: r.upperBound, axis: d, size: meta.shape[d])
        }
        let load = source ?? wholeChunks(array)
        let grid = meta.grid
        let indices = grid.chunks(overlapping: region)
        let boxes = indices.map { grid.overlap(of: $0, with: region) }
        var loaded = [Result<ChunkPiece?, Error>](repeating: .success(nil), count: indices.count)
        if threads > 1 && indices.count > 1 {
            let slots = ResultSlots(count: indices.count)
            RegionReader.forEach(indices.count, threads: threads) { i in
                slots.set(i, Result { try load(indices[i], boxes[i]) })
            }
            loaded = slots.results
        } else {
            for i in indices.indices { loaded[i] = Result { try load(indices[i], boxes[i]) } }
        }
        let origin = region.map(\.lowerBound)
        // One piece that is exactly the region (a page, a whole-chunk plane): share it, no copy.
        if indices.count == 1, case .success(let only?) = loaded[0], only.origin == origin,
            only.buffer.shape == region.map(\.count)
        {
            return only.buffer
        }
        var out = ArrayBuffer(dataType: meta.dataType, shape: region.map(\.count), filledWith: meta.fillValue)
        for i in indices.indices {
            guard let piece = try loaded[i].get() else { continue }
            RegionCopy.copy(piece.buffer, origin: piece.origin, into: &out, regionOrigin: origin, box: boxes[i])
        }
        return out
    }
}

extension RegionReader {
    /// Runs `work(0..<count)` on up to `threads` threads: this one and idle workers of the one
    /// pool (`WorkPool.shared`), which grows beyond the cores for loads that wait on the network.
    public static func forEach(_ count: Int, threads: Int, _ work: @Sendable (Int) -> Void) {
        WorkPool.shared.forEach(count, width: threads, work)
    }
}

/// Per-index results written from several threads.
/// Thread contract: each slot is written by one thread only, and read after every writer returned.
private final class ResultSlots: @unchecked Sendable {
    private let base: UnsafeMutablePointer<Result<ChunkPiece?, Error>>
    private let count: Int
    init(count: Int) {
        self.count = count
        base = .allocate(capacity: count)
        base.initialize(repeating: .success(nil), count: count)
    }
    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }
    func set(_ i: Int, _ r: Result<ChunkPiece?, Error>) { base[i] = r }
    var results: [Result<ChunkPiece?, Error>] { Array(UnsafeBufferPointer(start: base, count: count)) }
}

/// A decoded buffer placed in the array: a whole chunk, or a slab of one.
public struct ChunkPiece: Sendable {
    public var buffer: ArrayBuffer
    /// Array coordinates of the buffer's first element.
    public var origin: [Int]

    public init(_ buffer: ArrayBuffer, origin: [Int]) { (self.buffer, self.origin) = (buffer, origin) }
}
