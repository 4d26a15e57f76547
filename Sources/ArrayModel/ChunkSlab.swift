import Threads
/// Part of a chunk that is one contiguous run of its C-order elements: the
/// elements whose leading in-chunk coordinates are `prefix`. A z plane of a
/// (z, y, x) chunk is the slab `[z]`; of a (c, t, z, y, x) chunk, `[c, t, z]`.
public struct ChunkSlab: Hashable, Sendable {
    public let prefix: [Int]

    public init(prefix: [Int]) { self.prefix = prefix }

    /// The slab's shape: 1 on the fixed axes, the chunk's extent on the rest.
    public func shape(chunkShape: [Int]) -> [Int] {
        Array(repeating: 1, count: prefix.count) + chunkShape[prefix.count...]
    }

    /// The slab's element range within the chunk's C-order buffer.
    public func elements(chunkShape: [Int]) -> Range<Int> {
        let inner = chunkShape[prefix.count...].reduce(1, *)
        let start = zip(prefix, chunkShape).reduce(0) { $0 * $1.1 + $1.0 }
        return (start * inner)..<((start + 1) * inner)
    }

    /// The slab holding `box` (in-chunk coordinates), fixing every leading
    /// axis on which the box is one element wide; nil when that is the whole chunk.
    public static func enclosing(_ box: [Range<Int>], chunkShape: [Int]) -> ChunkSlab? {
        var prefix: [Int] = []
        for r in box {
            guard r.count == 1 else { break }
            prefix.append(r.lowerBound)
        }
        if chunkShape[..<prefix.count].allSatisfy({ $0 == 1 }) { return nil }
        return ChunkSlab(prefix: prefix)
    }
}

/// A source that can decode a slab of a chunk without decoding the whole
/// chunk: blosc-compressed C-order chunks (blosc_getitem on the blocks that
/// hold the slab) and uncompressed chunks (a byte-range read).
public protocol SlabReadable: LazyArray {
    /// Whether this array's chunks can be read a slab at a time.
    var readsSlabs: Bool { get }
    /// Decodes one slab of chunk `index` (shape `slab.shape(chunkShape:)`);
    /// nil when the chunk is absent (every element is the fill value).
    func readChunkSlab(_ index: [Int], slab: ChunkSlab, cancellation: JobToken?) throws -> ArrayBuffer?
}

extension SlabReadable {
    /// Decodes one slab for no job (not cancellable).
    public func readChunkSlab(_ index: [Int], slab: ChunkSlab) throws -> ArrayBuffer? {
        try readChunkSlab(index, slab: slab, cancellation: nil)
    }
}
