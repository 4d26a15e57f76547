import Threads
/// One level of a pyramid as an array of its own (`--level N`): the level's
/// chunks and shape, the image's channel metadata, and no other levels, so
/// nothing picks a level for it.
public final class LevelArray: SlabReadable {
    public let metadata: ArrayMetadata
    let base: LazyArray
    /// The whole image's files: outputs may not go anywhere inside it.
    public let sourcePaths: [String]

    /// - Parameter image: the pyramid the level belongs to (its channels and axis types carry over).
    public init(_ level: LazyArray, of image: LazyArray) {
        base = level
        sourcePaths = image.sourcePaths
        var m = level.metadata
        m.channels = m.channels ?? image.metadata.channels
        m.axisTypes = m.axisTypes ?? image.metadata.axisTypes
        m.defaultAxisNames = m.defaultAxisNames ?? image.metadata.defaultAxisNames
        metadata = m
    }

    public func readChunk(_ index: [Int], cancellation: JobToken?) throws -> ArrayBuffer? {
        try base.readChunk(index, cancellation: cancellation)
    }
    public var readsSlabs: Bool { (base as? SlabReadable)?.readsSlabs ?? false }
    public func readChunkSlab(_ index: [Int], slab: ChunkSlab, cancellation: JobToken?) throws -> ArrayBuffer? {
        try (base as! SlabReadable).readChunkSlab(index, slab: slab, cancellation: cancellation)
    }
    public var bytesRead: Int { base.bytesRead }
    public var preferredConcurrency: Int? { base.preferredConcurrency }
}
