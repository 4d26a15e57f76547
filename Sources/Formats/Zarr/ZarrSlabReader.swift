import Codecs
import Stores

/// Reads one slab of a stored Zarr chunk whose bytes are either raw C-order
/// elements or one blosc frame of them: a byte-range read, or the blosc
/// blocks that hold the slab. Shared by Zarr v2 and v3.
struct ZarrSlabReader: Sendable {
    /// Whether the stored chunk is one blosc frame (else the raw elements).
    let blosc: Bool
    let bigEndian: Bool

    /// Whether a chunk encoded with `compressor` (after no filters or
    /// transposes, C order) can be read a slab at a time.
    static func supports(_ compressor: BytesCodec?) -> Bool { compressor == nil || compressor == .blosc }

    func read(_ store: Store, key: String, slab: ChunkSlab, metadata: ArrayMetadata,
              chunkShape: [Int]) throws -> ArrayBuffer? {
        let size = metadata.dataType.size
        let elements = slab.elements(chunkShape: chunkShape)
        let (offset, count) = (elements.lowerBound * size, elements.count * size)
        let chunkBytes = chunkShape.reduce(1, *) * size
        var missing = false
        func fetch(_ o: Int, _ n: Int) throws -> [UInt8] {
            guard let bytes = try store.get(key, range: .slice(offset: o, length: n)) else {
                missing = true
                throw StoreError("absent")
            }
            guard bytes.count == n else { throw FormatError("truncated: \(bytes.count) of \(n) bytes at offset \(o)") }
            return bytes
        }
        var bytes: [UInt8]
        do {
            if blosc {
                bytes = try Blosc.readRange(byteOffset: offset, byteCount: count, expectedSize: chunkBytes, fetch: fetch).bytes
            } else {
                bytes = try fetch(offset, count)
            }
        } catch where missing {
            return nil
        } catch let e as StoreError {
            // A range outside the file: the chunk is shorter than its shape says.
            throw FormatError("truncated chunk (\(e))")
        }
        if bigEndian != (DataType.ByteOrderMark.host == .big) && size > 1 {
            bytes.withUnsafeMutableBytes { ByteOrder.swapInPlace($0, elementSize: size) }
        }
        return ArrayBuffer(dataType: metadata.dataType, shape: slab.shape(chunkShape: chunkShape), bytes: bytes)
    }
}
