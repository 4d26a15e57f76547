import Threads
import Codecs
import Stores

/// A Zarr v2 array (`.zarray`): one chunk per key, an optional compressor,
/// C or F order, either byte order.
public final class ZarrV2Array: SlabReadable {
    public let metadata: ArrayMetadata
    let store: Store
    let prefix: String
    let separator: String
    let compressor: BytesCodec?
    let fortranOrder: Bool
    let bigEndian: Bool

    /// Reads `.zarray` (and `.zattrs` for `_ARRAY_DIMENSIONS`) below `prefix`.
    /// - Parameter level: names and scales from an OME-Zarr image this array is a level of.
    public init(store: Store, prefix: String = "", level: OMELevelContext? = nil) throws {
        self.store = store
        self.prefix = prefix
        guard let meta = try JSONMetadata.read(store, joinKey(prefix, ".zarray"), file: ".zarray") else {
            throw FormatError.missing("no .zarray here")
        }
        let version = try meta.int("zarr_format")
        guard version == 2 else {
            throw FormatError.invalidMetadata(file: ".zarray", problem: "zarr_format is \(version), expected 2")
        }
        let shape = try meta.intArray("shape")
        let chunks = try meta.intArray("chunks")
        guard chunks.count == shape.count, chunks.allSatisfy({ $0 > 0 }) else {
            throw FormatError.invalidMetadata(
                file: ".zarray", problem: "'chunks' \(chunks) does not fit 'shape' \(shape)")
        }
        let dtypeString: String
        do { dtypeString = try meta.string("dtype") } catch {
            throw FormatError.invalidMetadata(
                file: ".zarray", problem: "unsupported data type (structured dtypes are not supported)")
        }
        let (dtype, big) = try DataType.parseNumPy(dtypeString)
        try CheckedSize.checkLayout(shape: shape, chunkShape: chunks, elementSize: dtype.size, file: ".zarray")
        let order = meta.optionalString("order") ?? "C"
        guard order == "C" || order == "F" else {
            throw FormatError.invalidMetadata(file: ".zarray", problem: "order '\(order)' is not C or F")
        }
        self.fortranOrder = order == "F" && shape.count > 1
        self.bigEndian = big
        self.separator = meta.optionalString("dimension_separator") ?? "."
        guard separator == "." || separator == "/" else {
            throw FormatError.invalidMetadata(
                file: ".zarray", problem: "dimension_separator '\(separator)' is not '.' or '/'")
        }
        if let filters = meta.object["filters"] as? [[String: Any]], !filters.isEmpty {
            let ids = filters.map { ($0["id"] as? String) ?? "?" }
            throw FormatError.unsupported(
                "filter codec '\(ids.joined(separator: ", "))' in .zarray (only 'filters: null' is read)")
        }
        var codecNames: [String] = []
        if let c = meta.object["compressor"] as? [String: Any] {
            let (codec, name) = try ZarrV2Array.compressor(c)
            self.compressor = codec
            codecNames.append(name)
        } else {
            self.compressor = nil
        }
        if big { codecNames.insert("bytes(big)", at: 0) }
        if fortranOrder { codecNames.insert("order(F)", at: 0) }
        let fill = try JSONMetadata.fillValue(meta.object["fill_value"], type: dtype, file: ".zarray")

        var axes: [String]? = nil
        if let attrs = try? JSONMetadata.read(store, joinKey(prefix, ".zattrs"), file: ".zattrs"),
            let dims = attrs.object["_ARRAY_DIMENSIONS"] as? [String], dims.count == shape.count
        {
            axes = dims
        }
        var m = ArrayMetadata(
            format: "zarr2", location: store.location, shape: shape, dataType: dtype, chunkShape: chunks,
            fillValue: fill, axisNames: axes ?? level?.names(rank: shape.count),
            codecs: codecNames.isEmpty ? ["raw"] : codecNames)
        if let level, level.names(rank: shape.count) != nil {
            m.scales = level.scales
            m.notes.append(level.note)
        }
        self.metadata = m
    }

    /// Maps a numcodecs compressor config to a decoder and a description.
    static func compressor(_ c: [String: Any]) throws -> (BytesCodec, String) {
        let id = (c["id"] as? String) ?? "(no id)"
        func param(_ k: String) -> String { c[k].map { "\($0)" } ?? "?" }
        switch id {
        case "blosc":
            let shuffle = ["noshuffle", "shuffle", "bitshuffle"]
            let s = (c["shuffle"] as? Int).flatMap { $0 >= 0 && $0 < 3 ? shuffle[$0] : nil } ?? param("shuffle")
            return (.blosc, "blosc(\(param("cname")), clevel=\(param("clevel")), \(s))")
        case "zstd": return (.zstd, "zstd(level=\(param("level")))")
        case "zlib": return (.zlib, "zlib(level=\(param("level")))")
        case "gzip": return (.gzip, "gzip(level=\(param("level")))")
        case "lz4": return (.lz4, "lz4")
        default:
            throw FormatError.unknownCodec(name: id, file: ".zarray", known: "blosc, zstd, zlib, gzip, lz4")
        }
    }

    public var bytesRead: Int { store.bytesRead }

    public var readsSlabs: Bool {
        !fortranOrder
            && ZarrSlabReader.supports(
                compressor, chunkBytes: metadata.chunkShape.reduce(1, *) * metadata.dataType.size,
                remote: store.isRemote)
    }

    public var preferredConcurrency: Int? { store.isRemote ? RemoteOptions.current.maxRequests : nil }

    public func readChunkSlab(_ index: [Int], slab: ChunkSlab, cancellation: JobToken?) throws -> ArrayBuffer? {
        precondition(readsSlabs)
        let key = key(index)
        do {
            return try ZarrSlabReader(compressor: compressor, bigEndian: bigEndian)
                .read(
                    store, key: joinKey(prefix, key), slab: slab, metadata: metadata, chunkShape: metadata.chunkShape,
                    cancellation: cancellation)
        } catch {
            throw DatasetError(store.location, at: "chunk \(key)", error)
        }
    }

    func key(_ index: [Int]) -> String {
        index.isEmpty ? "0" : index.map(String.init).joined(separator: separator)
    }

    public func readChunk(_ index: [Int], cancellation: JobToken?) throws -> ArrayBuffer? {
        let key = key(index)
        let expected = metadata.grid.elementsPerChunk * metadata.dataType.size
        do {
            let stored = compressor?.maxEncodedSize(decoded: expected) ?? BytesCodec.maxStoredSize(decoded: expected)
            guard
                let raw = try store.get(
                    joinKey(prefix, key), atMost: stored,
                    limitName: "the \(stored) bytes a chunk of \(expected) bytes can take", cancellation: cancellation)
            else { return nil }
            return try store.isRemote ? DecodeGate.run { try decode(raw, key: key) } : decode(raw, key: key)
        } catch {
            throw DatasetError(store.location, at: "chunk \(key)", error)
        }
    }

    /// A stored chunk's bytes decoded to the chunk (CPU only).
    private func decode(_ raw: [UInt8], key: String) throws -> ArrayBuffer {
        let grid = metadata.grid
        let elementSize = metadata.dataType.size
        let expected = grid.elementsPerChunk * elementSize
        var bytes = try compressor?.decode(raw, expectedSize: expected) ?? raw
        guard bytes.count == expected else {
            throw FormatError.corruptData("decodes to \(bytes.count) bytes, expected \(expected)")
        }
        if bigEndian != (DataType.ByteOrderMark.host == .big) && elementSize > 1 {
            bytes.withUnsafeMutableBytes { ByteOrder.swapInPlace($0, elementSize: elementSize) }
        }
        if fortranOrder {
            let n = grid.chunkShape.count
            bytes = Transpose.permute(
                bytes, shape: grid.chunkShape.reversed(), axes: Array((0..<n).reversed()),
                elementSize: elementSize)
        }
        return ArrayBuffer(dataType: metadata.dataType, shape: grid.chunkShape, bytes: bytes)
    }
}
