import Threads
import Synchronization

/// Arrays of one shape stacked along new leading axes (BigDataViewer setups and
/// timepoints, Imaris channels and timepoints): a chunk of the stack is a chunk of
/// one part. Parts are opened on first use; a part may be larger than the stack's
/// inner shape (Imaris pads its data to whole chunks) and the excess is never shown;
/// the stack's dtype may reinterpret the parts' bits (BigDataViewer's int16-stored
/// uint16). Absent parts read as the fill value.
/// Thread contract: immutable after init but for `parts` (a `Mutex`); the parts are lazy arrays, read from any thread.
public final class StackedArray: LazyArray, @unchecked Sendable {
    public let metadata: ArrayMetadata
    /// The sizes of the new leading axes; slots are in C order over them.
    public let leading: [Int]
    /// Which slots have a part.
    public let present: [Bool]
    public let sourcePaths: [String]
    private let openPart: @Sendable (Int) throws -> LazyArray
    private let parts = Mutex<[Int: LazyArray]>([:])

    /// - Parameters:
    ///   - metadata: shape `leading + inner`, chunk shape `1… + the parts' chunk shape`.
    ///   - first: a part already open (its slot), checked like the others.
    ///   - open: opens the part of a slot (only called for present slots).
    public init(
        metadata: ArrayMetadata, leading: [Int], present: [Bool], sourcePaths: [String],
        first: (slot: Int, array: LazyArray)? = nil, open: @escaping @Sendable (Int) throws -> LazyArray
    ) throws {
        precondition(present.count == leading.reduce(1, *))
        self.metadata = metadata
        self.leading = leading
        self.present = present
        self.sourcePaths = sourcePaths
        self.openPart = open
        if let first {
            try check(first.array)
            parts.withLock { $0[first.slot] = first.array }
        }
    }

    public func readChunk(_ index: [Int], cancellation: JobToken?) throws -> ArrayBuffer? {
        let k = leading.count
        var slot = 0
        for (i, n) in zip(index.prefix(k), leading) { slot = slot * n + i }
        guard present[slot] else { return nil }
        guard let piece = try part(slot).readChunk(Array(index.dropFirst(k)), cancellation: cancellation) else {
            return nil
        }
        return ArrayBuffer(dataType: metadata.dataType, shape: metadata.chunkShape, bytes: piece.bytes)
    }

    public var bytesRead: Int { parts.withLock { $0.values.reduce(0) { $0 + $1.bytesRead } } }

    /// The part of `slot`, opened (and checked) on first use.
    public func part(_ slot: Int) throws -> LazyArray {
        if let p = parts.withLock({ $0[slot] }) { return p }
        let p = try openPart(slot)
        try check(p)
        return parts.withLock { open in
            if let other = open[slot] { return other }
            open[slot] = p
            return p
        }
    }

    /// A part must have the stack's chunks, an element of the same size and at least its inner shape.
    private func check(_ p: LazyArray) throws {
        let a = p.metadata, k = leading.count
        let inner = Array(metadata.shape.dropFirst(k)), chunks = Array(metadata.chunkShape.dropFirst(k))
        let tuple = { (s: [Int]) in "(" + s.map(String.init).joined(separator: ", ") + ")" }
        guard a.rank == inner.count, zip(a.shape, inner).allSatisfy({ $0 >= $1 }), a.chunkShape == chunks,
            a.dataType.size == metadata.dataType.size
        else {
            throw DatasetError(
                a.location,
                "is \(tuple(a.shape)) \(a.dataType.name) in chunks \(tuple(a.chunkShape)); "
                    + "the image's other parts are \(tuple(inner)) \(metadata.dataType.name) in chunks \(tuple(chunks))"
            )
        }
    }
}
