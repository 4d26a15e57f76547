import Threads
import Codecs
import Stores

/// Reads one slab of a stored Zarr chunk whose bytes are raw C-order
/// elements, one blosc frame of them, or one zstd/zlib/gzip stream of them:
/// a byte-range read, the blosc blocks that hold the slab, or the stream
/// decoded up to the end of the slab and no further (`StreamingRange`).
/// Shared by Zarr v2 and v3.
struct ZarrSlabReader: Sendable {
    /// How the chunk's elements are stored: nil raw, else the one bytes→bytes codec.
    let compressor: BytesCodec?
    let bigEndian: Bool

    /// Chunks whose stream must be decoded from its start are read a slab at a time only from
    /// this size on: below it, decoding the whole chunk once costs about as much as one slab.
    static let streamingThreshold = 32 << 20
    /// Chunks of a remote store are read a slab at a time only from this size on.
    static let remoteThreshold = 32 << 20

    /// Whether a chunk of `chunkBytes` encoded with `compressor` (after no filters or
    /// transposes, C order) can be read a slab at a time.
    static func supports(_ compressor: BytesCodec?, chunkBytes: Int, remote: Bool = false) -> Bool {
        // Over a network a slab costs two or three round trips one after the other (header,
        // block offsets, blocks) where the whole chunk costs one: only huge chunks gain.
        if remote && chunkBytes < remoteThreshold { return false }
        return switch compressor {
        case nil, .blosc?: true
        case .zstd?, .zlib?, .gzip?: chunkBytes >= streamingThreshold
        default: false
        }
    }

    func read(
        _ store: Store, key: String, slab: ChunkSlab, metadata: ArrayMetadata,
        chunkShape: [Int], cancellation: JobToken?
    ) throws -> ArrayBuffer? {
        let size = metadata.dataType.size
        let elements = slab.elements(chunkShape: chunkShape)
        let (offset, count) = (elements.lowerBound * size, elements.count * size)
        let chunkBytes = chunkShape.reduce(1, *) * size
        /// Exactly `n` stored bytes from `o`, or nil when the chunk's key does not exist.
        func fetch(_ o: Int, _ n: Int) throws -> [UInt8]? {
            guard let bytes = try store.get(key, range: .slice(offset: o, length: n), cancellation: cancellation) else {
                return nil
            }
            guard bytes.count == n else {
                throw FormatError.corruptData("truncated: \(bytes.count) of \(n) bytes at offset \(o)")
            }
            return bytes
        }
        let read: [UInt8]?
        do {
            switch compressor {
            case nil:
                read = try fetch(offset, count)
            case .blosc?:
                read = try Blosc.readRange(
                    byteOffset: offset, byteCount: count, expectedSize: chunkBytes, fetch: fetch)?.bytes
            case let codec?:
                read = try StreamingRange.read(codec, byteOffset: offset, byteCount: count, expectedSize: chunkBytes) {
                    o, n in
                    try store.get(key, range: .upTo(offset: o, length: n), cancellation: cancellation)
                }?.bytes
            }
        } catch let e as StoreError {
            // A range outside the file: the chunk is shorter than its shape says. Other
            // store errors (I/O, a FIFO) stay what they are.
            guard case .badRange = e else { throw e }
            throw FormatError.corruptData("truncated chunk", underlying: e)
        }
        // No key: every element is the fill value.
        guard var bytes = read else { return nil }
        if bigEndian != (DataType.ByteOrderMark.host == .big) && size > 1 {
            bytes.withUnsafeMutableBytes { ByteOrder.swapInPlace($0, elementSize: size) }
        }
        return ArrayBuffer(dataType: metadata.dataType, shape: slab.shape(chunkShape: chunkShape), bytes: bytes)
    }
}
