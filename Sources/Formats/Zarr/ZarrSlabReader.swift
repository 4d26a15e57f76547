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

    /// Whether a chunk of `chunkBytes` encoded with `compressor` (after no filters or
    /// transposes, C order) can be read a slab at a time.
    static func supports(_ compressor: BytesCodec?, chunkBytes: Int) -> Bool {
        switch compressor {
        case nil, .blosc?: true
        case .zstd?, .zlib?, .gzip?: chunkBytes >= streamingThreshold
        default: false
        }
    }

    func read(_ store: Store, key: String, slab: ChunkSlab, metadata: ArrayMetadata,
              chunkShape: [Int]) throws -> ArrayBuffer? {
        let size = metadata.dataType.size
        let elements = slab.elements(chunkShape: chunkShape)
        let (offset, count) = (elements.lowerBound * size, elements.count * size)
        let chunkBytes = chunkShape.reduce(1, *) * size
        func fetch(_ o: Int, _ n: Int) throws -> [UInt8] {
            guard let bytes = try store.get(key, range: .slice(offset: o, length: n)) else { throw AbsentChunk() }
            guard bytes.count == n else { throw FormatError.corruptData("truncated: \(bytes.count) of \(n) bytes at offset \(o)") }
            return bytes
        }
        var bytes: [UInt8]
        do {
            switch compressor {
            case nil:
                bytes = try fetch(offset, count)
            case .blosc?:
                bytes = try Blosc.readRange(byteOffset: offset, byteCount: count, expectedSize: chunkBytes, fetch: fetch).bytes
            case let codec?:
                bytes = try StreamingRange.read(codec, byteOffset: offset, byteCount: count, expectedSize: chunkBytes) { o, n in
                    guard let piece = try store.get(key, range: .upTo(offset: o, length: n)) else { throw AbsentChunk() }
                    return piece
                }.bytes
            }
        } catch is AbsentChunk {
            return nil
        } catch let e as StoreError {
            // A range outside the file: the chunk is shorter than its shape says.
            throw FormatError.corruptData("truncated chunk", underlying: e)
        }
        if bigEndian != (DataType.ByteOrderMark.host == .big) && size > 1 {
            bytes.withUnsafeMutableBytes { ByteOrder.swapInPlace($0, elementSize: size) }
        }
        return ArrayBuffer(dataType: metadata.dataType, shape: slab.shape(chunkShape: chunkShape), bytes: bytes)
    }
}

/// The chunk's key does not exist (every element is the fill value): thrown out of a
/// range reader's fetch and caught by `read`, which returns nil.
private struct AbsentChunk: Error {}
