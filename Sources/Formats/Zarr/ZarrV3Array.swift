import Threads
import Codecs
import Foundation
import LRUModule
import Stores
import Synchronization

/// A Zarr v3 array (`zarr.json`). With `sharding_indexed` as its array→bytes
/// codec the read unit is the inner chunk: the shard index is read once (a
/// range read) and each inner chunk is a range read of its own.
public final class ZarrV3Array: SlabReadable {
    public let metadata: ArrayMetadata
    let store: Store
    let prefix: String
    let chain: V3CodecChain
    /// Set when inner chunks are read one by one out of shards.
    let sharding: V3Sharding?
    let keyEncoding: (defaultPrefix: Bool, separator: String)
    /// Storage chunk (shard) shape.
    let storedChunkShape: [Int]
    private var indexCache: ShardIndexCache { .shared }

    /// - Parameter level: names and scales from an OME-Zarr image this array is a level of.
    public init(store: Store, prefix: String = "", level: OMELevelContext? = nil) throws {
        self.store = store
        self.prefix = prefix
        guard let meta = try JSONMetadata.read(store, joinKey(prefix, "zarr.json"), file: "zarr.json") else {
            throw FormatError.missing("no zarr.json here")
        }
        guard try meta.int("zarr_format") == 3 else {
            throw FormatError.invalidMetadata(file: "zarr.json", problem: "zarr_format is not 3")
        }
        let nodeType = meta.optionalString("node_type") ?? "array"
        guard nodeType == "array" else {
            throw FormatError.notAnArray("zarr.json describes a \(nodeType), not an array")
        }
        let shape = try meta.intArray("shape")
        let typeName: String
        do { typeName = try meta.string("data_type") } catch {
            throw FormatError.invalidMetadata(
                file: "zarr.json",
                problem: "unsupported data_type \(meta.object["data_type"].map { "\($0)" } ?? "(missing)")")
        }
        guard let dtype = DataType(rawValue: typeName) else {
            throw FormatError.unsupported("data type '\(typeName)' in zarr.json")
        }
        let grid = try meta.objectValue("chunk_grid")
        guard (grid.optionalString("name") ?? "") == "regular" else {
            throw FormatError.unsupported(
                "chunk grid '\(grid.optionalString("name") ?? "?")' in zarr.json (vstack reads 'regular')")
        }
        let chunkShape = try grid.objectValue("configuration").intArray("chunk_shape")
        guard chunkShape.count == shape.count, chunkShape.allSatisfy({ $0 > 0 }) else {
            throw FormatError.invalidMetadata(
                file: "zarr.json", problem: "chunk_shape \(chunkShape) does not fit shape \(shape)")
        }
        storedChunkShape = chunkShape
        if let cke = meta.object["chunk_key_encoding"] as? [String: Any] {
            let name = (cke["name"] as? String) ?? "default"
            let sep = ((cke["configuration"] as? [String: Any])?["separator"] as? String)
            switch name {
            case "default": keyEncoding = (true, sep ?? "/")
            case "v2": keyEncoding = (false, sep ?? ".")
            default: throw FormatError.unsupported("chunk_key_encoding '\(name)' in zarr.json")
            }
        } else {
            keyEncoding = (true, "/")
        }
        chain = try V3CodecChain(meta.object["codecs"], dataType: dtype, rank: shape.count, file: "zarr.json")
        let fill = try JSONMetadata.fillValue(meta.object["fill_value"], type: dtype, file: "zarr.json")
        var readShape = chunkShape
        if case .sharding(let s) = chain.arrayToBytes, chain.bytesToBytes.isEmpty {
            // Transposes before sharding give the inner chunk shape in transposed order.
            _ = try s.indexByteCount(chain.encodedShape(chunkShape))
            sharding = s
            readShape = chain.decodedShape(s.innerChunkShape)
        } else {
            sharding = nil
        }
        // The read unit (the inner chunk when sharded) is held to the chunk limit; a shard
        // read whole (sharding followed by bytes→bytes codecs) is one too.
        try CheckedSize.checkLayout(
            shape: shape, chunkShape: sharding == nil ? chunkShape : readShape,
            elementSize: dtype.size, file: "zarr.json",
            chunkField: sharding == nil ? "chunk_shape" : "sharding 'chunk_shape'")
        var axes: [String]? = nil
        if let names = meta.object["dimension_names"] as? [Any], names.count == shape.count {
            let strings = names.compactMap { $0 as? String }
            if strings.count == shape.count { axes = strings }
        }
        var m = ArrayMetadata(
            format: "zarr3", location: store.location, shape: shape, dataType: dtype, chunkShape: readShape,
            shardShape: sharding == nil ? nil : chunkShape, fillValue: fill,
            axisNames: axes ?? level?.names(rank: shape.count), codecs: chain.names)
        if let level, level.names(rank: shape.count) != nil {
            m.scales = level.scales
            m.notes.append(level.note)
        }
        metadata = m
    }

    public var bytesRead: Int { store.bytesRead }

    /// Unsharded chunks stored as `bytes` alone, or then one `blosc`, or (big chunks) one `zstd`/`gzip`.
    public var readsSlabs: Bool {
        guard sharding == nil, chain.transposes.isEmpty, case .bytes = chain.arrayToBytes else { return false }
        guard chain.bytesToBytes.count <= 1 else { return false }
        return ZarrSlabReader.supports(
            chain.bytesToBytes.first, chunkBytes: storedChunkShape.reduce(1, *) * metadata.dataType.size,
            remote: store.isRemote)
    }

    public var preferredConcurrency: Int? { store.isRemote ? RemoteOptions.current.maxRequests : nil }

    public func readChunkSlab(_ index: [Int], slab: ChunkSlab, cancellation: JobToken?) throws -> ArrayBuffer? {
        precondition(readsSlabs)
        guard case .bytes(let big) = chain.arrayToBytes else { return nil }
        let key = key(index)
        do {
            return try ZarrSlabReader(compressor: chain.bytesToBytes.first, bigEndian: big)
                .read(
                    store, key: joinKey(prefix, key), slab: slab, metadata: metadata, chunkShape: storedChunkShape,
                    cancellation: cancellation)
        } catch {
            throw DatasetError(store.location, at: "chunk \(key)", error)
        }
    }

    func key(_ index: [Int]) -> String {
        let parts = index.map(String.init)
        if keyEncoding.defaultPrefix { return (["c"] + parts).joined(separator: keyEncoding.separator) }
        return parts.isEmpty ? "0" : parts.joined(separator: keyEncoding.separator)
    }

    public func readChunk(_ index: [Int], cancellation: JobToken?) throws -> ArrayBuffer? {
        let meta = metadata
        guard let sharding else {
            let key = key(index)
            do {
                let stored = try chain.maxEncodedSize(shape: storedChunkShape, dataType: meta.dataType)
                guard
                    let raw = try store.get(
                        joinKey(prefix, key), atMost: stored,
                        limitName: "the \(stored) bytes a chunk can take", cancellation: cancellation)
                else { return nil }
                let bytes = try decoding {
                    try chain.decode(raw, shape: storedChunkShape, dataType: meta.dataType, fill: meta.fillValue)
                }
                return ArrayBuffer(dataType: meta.dataType, shape: storedChunkShape, bytes: bytes)
            } catch {
                throw DatasetError(store.location, at: "chunk \(key)", error)
            }
        }
        // Inner chunk `index` lives in shard index/perShard at position index%perShard;
        // the shard's own index is laid out in encoded (transposed) order.
        let perShard = zip(storedChunkShape, meta.chunkShape).map { $0 / $1 }
        let shardPosition = zip(index, perShard).map { $0 / $1 }
        let inner = zip(index, perShard).map { $0 % $1 }
        let key = key(shardPosition)
        let (encodedInner, encodedGrid) = (chain.encodedShape(inner), chain.encodedShape(perShard))
        let innerFlat = encodedInner.enumerated().reduce(0) { $0 * encodedGrid[$1.offset] + $1.element }
        do {
            guard let entries = try shardIndex(key: key, sharding: sharding, cancellation: cancellation) else {
                return nil
            }
            guard let (offset, length) = entries[innerFlat] else { return nil }
            let stored = try sharding.inner.maxEncodedSize(shape: sharding.innerChunkShape, dataType: meta.dataType)
            guard length <= stored else {
                throw FormatError.corruptData(
                    "the shard index gives the chunk \(length) bytes, more than the \(stored) it can take")
            }
            guard
                let raw = try store.get(
                    joinKey(prefix, key), range: .slice(offset: offset, length: length), cancellation: cancellation)
            else { return nil }
            let bytes = try decoding {
                let encoded = try sharding.decodeInner(raw, dataType: meta.dataType, fill: meta.fillValue)
                return chain.undoTransposes(encoded, shape: meta.chunkShape, elementSize: meta.dataType.size)
            }
            return ArrayBuffer(dataType: meta.dataType, shape: meta.chunkShape, bytes: bytes)
        } catch {
            throw DatasetError(
                store.location, at: "shard \(key), inner chunk \(inner.map(String.init).joined(separator: ","))", error)
        }
    }

    /// Runs a decode: for a remote store, once one of the cores is free (`DecodeGate`).
    private func decoding<T>(_ body: () throws -> T) rethrows -> T {
        store.isRemote ? try DecodeGate.run(body) : try body()
    }

    /// The decoded index of a shard (nil when the shard is absent), cached.
    private func shardIndex(key: String, sharding: V3Sharding, cancellation: JobToken?) throws -> [(Int, Int)?]? {
        // Keyed by the shard's full location: the cache is shared by every array.
        let cacheKey = store.location + "\u{0}" + joinKey(prefix, key)
        if let cached = indexCache.get(cacheKey) { return cached.entries }
        let shardShape = chain.encodedShape(storedChunkShape)
        let size = try sharding.indexByteCount(shardShape)
        let range: ByteRange = sharding.indexAtStart ? .slice(offset: 0, length: size) : .suffix(length: size)
        let bytes: [UInt8]?
        do { bytes = try store.get(joinKey(prefix, key), range: range, cancellation: cancellation) } catch {
            throw FormatError.corruptData("shard is truncated: its index does not fit", underlying: error)
        }
        let entries = try bytes.map { try sharding.decodeIndex($0, shardShape: shardShape) }
        indexCache.put(cacheKey, ShardIndexCache.Entry(entries: entries))
        return entries
    }
}

/// Decoded shard indexes of every sharded array, least recently used out first under one
/// byte budget (`ShardIndexCache.setBudget`, set aside from `--cache`); shared by the reader threads.
public final class ShardIndexCache: Sendable {
    struct Entry: Sendable { let entries: [(Int, Int)?]? }
    private let lru = Mutex(ByteBudgetLRU<String, Entry>(budget: 16 << 20))

    /// The one cache all sharded arrays share.
    public static let shared = ShardIndexCache()

    /// The bytes the indexes may take (16 MiB until set).
    public static func setBudget(_ bytes: Int) { shared.lru.withLock { $0.setBudget(max(0, bytes)) } }

    public var statistics: (entries: Int, bytes: Int) { lru.withLock { ($0.count, $0.totalCost) } }

    func get(_ key: String) -> Entry? { lru.withLock { $0.value(for: key) } }

    func put(_ key: String, _ entry: Entry) {
        // An entry's cost: 16 bytes an inner chunk, plus the key and bookkeeping.
        let cost = (entry.entries?.count ?? 0) * 16 + key.utf8.count + 64
        lru.withLock { _ = $0.insert(entry, cost: cost, for: key) }
    }
}
