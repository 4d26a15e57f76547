import ArrayModel
import CHDF5
import Codecs
import Synchronization

/// Direct chunk reads: under `HDF5Library`'s lock only the chunk's stored bytes are read
/// (`H5Dget_chunk_storage_size`, `H5Dread_chunk`); the filters (deflate, shuffle, blosc, lz4,
/// zstd) are undone outside it, so several chunks decode at once on the scheduler's workers.
/// A chunk that was never written is absent (the fill value), as in Zarr.
extension HDF5Array {
    /// Chunks read raw and decoded by vstack, for tests and `info`.
    public static var directChunkCount: Int { directCount.load(ordering: .relaxed) }
    static let directCount = Atomic<Int>(0)

    func readChunkDirect(_ index: [Int], _ direct: DirectChunks) throws -> ArrayBuffer? {
        let m = metadata
        let chunkBytes = m.chunkShape.reduce(m.dataType.size, *)
        let offset = zip(index, m.chunkShape).map { hsize_t($0 * $1) }
        let label = "chunk \(index.map(String.init).joined(separator: "."))"
        do {
            // A stored chunk is at most its size plus what a codec may add; more is a corrupt index.
            let limit = chunkBytes + chunkBytes / 8 + (1 << 20)
            let raw: (bytes: [UInt8], mask: UInt32)? = try HDF5Library.locked {
                let size = vstack_h5_chunk_storage_size(datasetID, offset)
                guard size >= 0 else { throw HDF5Library.failure("cannot find the chunk's storage") }
                if size == 0 { return nil }
                guard size <= limit else {
                    throw FormatError.corruptData(
                        "stored as \(size) bytes, more than a chunk of \(chunkBytes) bytes can be")
                }
                // Not zero-filled first (under the lock): H5Dread_chunk writes all `size` bytes or fails.
                var mask: UInt32 = 0
                var rc: Int32 = 0
                let bytes = [UInt8](unsafeUninitializedCapacity: Int(size)) { buffer, count in
                    rc = vstack_h5_read_chunk_raw(datasetID, offset, &mask, buffer.baseAddress)
                    count = rc == 0 ? Int(size) : 0
                }
                guard rc == 0 else { throw HDF5Library.failure("H5Dread_chunk failed") }
                return (bytes, mask)
            }
            guard let raw else { return nil }
            var data = raw.bytes
            // Undone last-written first; a filter whose bit is set was skipped when the chunk was written.
            let active = direct.filters.indices.filter { raw.mask & (1 << UInt32($0)) == 0 }
            for i in active.reversed() {
                data = try direct.filters[i].undo(
                    data, chunkBytes: chunkBytes, last: i == active.first, elementSize: m.dataType.size)
            }
            guard data.count == chunkBytes else {
                throw CodecError.sizeMismatch(codec: "hdf5 chunk", decoded: data.count, expected: chunkBytes)
            }
            if direct.swap {
                data.withUnsafeMutableBytes { ByteOrder.swapInPlace($0, elementSize: m.dataType.size) }
            }
            HDF5Array.directCount.add(1, ordering: .relaxed)
            counter.add(raw.bytes.count)
            return ArrayBuffer(dataType: m.dataType, shape: m.chunkShape, bytes: data)
        } catch {
            throw DatasetError(m.location, at: label, error)
        }
    }
}
