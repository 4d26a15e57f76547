import Threads
import Foundation
import ArrayModel

/// One array's chunks read through a shared cache: what plane reads use
/// instead of calling `readChunk` directly.
///
/// A view that needs one plane of a big chunk does not wait for the whole
/// chunk: when the source can (`SlabReadable`), the plane's slab is read and
/// cached under its own key, and whoever drives the view (the `PlaneLoader`)
/// asks for the whole chunk in the background.
public struct CachedChunks: Sendable {
    public let cache: ChunkCache
    public let array: LazyArray
    /// The array's key identity, computed once.
    public let identity: ArrayIdentity
    public let level: Int
    /// Chunks of at least this many bytes are read a slab at a time when a
    /// view needs only a slab of them and the whole chunk is not resident.
    public var slabThreshold: Int
    /// Bytes one whole chunk decodes to.
    public let chunkBytes: Int
    /// The array as a slab reader (cast once: a cast per key cost more than the key), and
    /// whether it reads slabs.
    private let slabReader: SlabReadable?
    private let readsSlabs: Bool

    public static let defaultSlabThreshold = 1 << 20

    public init(
        cache: ChunkCache, array: LazyArray, level: Int = 0, slabThreshold: Int = CachedChunks.defaultSlabThreshold
    ) {
        (self.cache, self.array, self.level, self.slabThreshold) = (cache, array, level, slabThreshold)
        identity = ArrayIdentity(array)
        chunkBytes = CheckedSize.multiply(array.metadata.grid.elementsPerChunk, array.metadata.dataType.size) ?? .max
        slabReader = array as? SlabReadable
        readsSlabs = slabReader?.readsSlabs ?? false
    }

    /// The whole chunk's key.
    public func key(_ index: [Int]) -> ChunkKey { ChunkKey(array: identity, level: level, index: index) }

    /// Whether every key `key(_:box:)` gives is a whole chunk's (the array does not read
    /// slabs, or its chunks are below the threshold): then a plane's keys depend only on
    /// the chunks it crosses, not on where in them it lies.
    public var keysAreWholeChunks: Bool { !readsSlabs || chunkBytes < slabThreshold }

    /// The key that serves `box` (array coordinates) of chunk `index`: the
    /// whole chunk when it is resident or small, else the slab holding the box.
    public func key(_ index: [Int], box: [Range<Int>]) -> ChunkKey {
        let whole = key(index)
        guard readsSlabs, chunkBytes >= slabThreshold, !cache.contains(whole) else { return whole }
        let origin = array.metadata.grid.region(of: index).map(\.lowerBound)
        let local = zip(box, origin).map { ($0.lowerBound - $1)..<($0.upperBound - $1) }
        guard let slab = ChunkSlab.enclosing(local, chunkShape: array.metadata.chunkShape) else { return whole }
        return ChunkKey(array: identity, level: level, index: index, slab: slab)
    }

    /// Decodes what a key names from the source (no cache), for the job `cancellation` belongs to
    /// (nil: no job; a remote fetch of a cancelled job is aborted).
    public func load(_ key: ChunkKey, cancellation: JobToken? = nil) throws -> ArrayBuffer? {
        if let slab = key.slab, let slabbed = slabReader {
            return try slabbed.readChunkSlab(key.index, slab: slab, cancellation: cancellation)
        }
        return try array.readChunk(key.index, cancellation: cancellation)
    }

    /// Bytes a key's buffer takes.
    public func bytes(of key: ChunkKey) -> Int {
        guard let slab = key.slab else { return chunkBytes }
        return slab.elements(chunkShape: array.metadata.chunkShape).count * array.metadata.dataType.size
    }

    /// Array coordinates of the first element of what a key names.
    public func origin(of key: ChunkKey) -> [Int] {
        var origin = array.metadata.grid.region(of: key.index).map(\.lowerBound)
        for (d, p) in (key.slab?.prefix ?? []).enumerated() { origin[d] += p }
        return origin
    }

    /// The buffer for a key, from the cache or loaded once, placed in the array.
    public func piece(_ key: ChunkKey, purpose: LoadPurpose = .visible) throws -> ChunkPiece? {
        guard let buffer = try cache.chunk(key, purpose: purpose, load: { try load(key) }).buffer else { return nil }
        return ChunkPiece(buffer, origin: origin(of: key))
    }

    /// The whole chunk, from the cache or loaded once.
    public func chunk(_ index: [Int]) throws -> ArrayBuffer? {
        try piece(key(index))?.buffer
    }

    /// A source for `RegionReader` / `PlaneSelection.readPlane`.
    public var source: RegionReader.ChunkSource {
        let me = self
        return { index, box in try me.piece(me.key(index, box: box)) }
    }
}
