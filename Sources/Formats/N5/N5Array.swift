import Threads
import Codecs
import Stores

/// One N5 dataset (`attributes.json` with `dimensions`): blocks at
/// `<x>/<y>/<z>` below it, each a big-endian header and big-endian data,
/// raw or compressed. Everything N5 lists x first is reversed here, so the
/// array is in C order like every other reader's; a block stored at its
/// actual (edge) size is padded with 0 to the nominal block shape.
public final class N5Array: LazyArray {
    public let metadata: ArrayMetadata
    let store: Store
    let compression: N5Compression
    /// `downsamplingFactors` (C order), for a pyramid that this dataset is a level of.
    let downsamplingFactors: [Double]?

    /// Reads `attributes.json` of the dataset at the root of `store`.
    /// - Parameters:
    ///   - inherited: attributes of the multiscale group, for axes and scales the level itself does not name.
    public init(store: Store, inherited: [String: Any]? = nil) throws {
        self.store = store
        guard let meta = try N5Attributes.read(store) else { throw FormatError.missing("no attributes.json here") }
        guard N5Attributes.isDataset(meta) else {
            throw FormatError.notAnArray("attributes.json describes an N5 group (no 'dimensions'), not a dataset")
        }
        let a = try N5Attributes(meta)
        compression = a.compression
        downsamplingFactors = a.downsamplingFactors
        let rank = a.shape.count
        var axes = a.axisNames
        var scales = a.scales
        if let inherited {
            let group = JSONMetadata(file: N5Attributes.file, object: inherited)
            if axes == nil, let names = group.object["axes"] as? [String], names.count == rank {
                axes = names.reversed()
            }
            if scales == nil { scales = N5Attributes.scales(group.object, rank: rank) }
        }
        var codecs = a.dataType.size > 1 ? ["bytes(big)"] : []
        codecs.append(a.compression.name)
        var m = ArrayMetadata(
            format: "n5", location: store.location, shape: a.shape, dataType: a.dataType,
            chunkShape: a.blockShape, fillValue: .zero, axisNames: axes, codecs: codecs)
        m.scales = scales
        metadata = m
    }

    public var bytesRead: Int { store.bytesRead }
    public var preferredConcurrency: Int? { store.isRemote ? RemoteOptions.current.maxRequests : nil }

    /// The block path: the C-order index reversed, x first.
    func key(_ index: [Int]) -> String { index.reversed().map(String.init).joined(separator: "/") }

    public func readChunk(_ index: [Int], cancellation: JobToken?) throws -> ArrayBuffer? {
        let key = key(index)
        do {
            let nominal = try CheckedSize.multiply(
                metadata.grid.elementsPerChunk, metadata.dataType.size, "the block size")
            let headerBytes = 4 + 4 * metadata.rank
            let stored =
                CheckedSize.add(
                    headerBytes,
                    compression.codec?.maxEncodedSize(decoded: nominal)
                        ?? BytesCodec.maxStoredSize(decoded: nominal)) ?? .max
            guard
                let raw = try store.get(
                    key, atMost: stored, limitName: "the \(stored) bytes a block of \(nominal) bytes can take",
                    cancellation: cancellation)
            else {
                return nil
            }
            return try store.isRemote ? DecodeGate.run { try decode(raw) } : decode(raw)
        } catch {
            throw DatasetError(store.location, at: "block \(key)", error)
        }
    }

    /// A stored block decoded to the nominal block shape (CPU only).
    private func decode(_ raw: [UInt8]) throws -> ArrayBuffer {
        let dtype = metadata.dataType
        let header = try N5BlockHeader(raw, blockShape: metadata.chunkShape)
        // Header sizes are at most blockSize each, whose product was checked at open.
        let expected = header.shape.reduce(1, *) * dtype.size
        // Copied with memcpy: Array(raw[offset...]) copied the block a byte at a time.
        let data = [UInt8](unsafeUninitializedCapacity: raw.count - header.dataOffset) { dst, count in
            raw.withUnsafeBytes { src in
                UnsafeMutableRawBufferPointer(dst).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: src[header.dataOffset...]))
            }
            count = raw.count - header.dataOffset
        }
        var bytes: [UInt8]
        if let codec = compression.codec {
            bytes = try codec.decode(data, expectedSize: expected)
        } else {
            guard data.count >= expected else {
                throw FormatError.corruptData("truncated block: \(data.count) bytes of data, expected \(expected)")
            }
            bytes = data.count == expected ? data : Array(data[0..<expected])
        }
        guard bytes.count == expected else {
            throw FormatError.corruptData("decodes to \(bytes.count) bytes, expected \(expected)")
        }
        if ByteOrder.hostIsLittleEndian && dtype.size > 1 {
            bytes.withUnsafeMutableBytes { ByteOrder.swapInPlace($0, elementSize: dtype.size) }
        }
        let block = ArrayBuffer(dataType: dtype, shape: header.shape, bytes: bytes)
        guard header.shape != metadata.chunkShape else { return block }
        // An edge block stored at its actual size: 0 outside it.
        var full = ArrayBuffer(dataType: dtype, shape: metadata.chunkShape, filledWith: .zero)
        let origin = Array(repeating: 0, count: metadata.rank)
        RegionCopy.copy(block, origin: origin, into: &full, regionOrigin: origin, box: header.shape.map { 0..<$0 })
        return full
    }
}
