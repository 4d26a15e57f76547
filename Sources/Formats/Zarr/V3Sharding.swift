import Codecs

/// The `sharding_indexed` codec: a shard holds a grid of inner chunks, each
/// encoded with `inner`, located by an index of (offset, nbytes) UInt64 pairs
/// at the start or end of the shard. (2^64-1, 2^64-1) marks an absent chunk.
struct V3Sharding: Sendable {
    var innerChunkShape: [Int]
    var inner: V3CodecChain
    var index: V3CodecChain
    var indexAtStart: Bool

    init(_ config: [String: Any], dataType: DataType, rank: Int, file: String) throws {
        guard config["chunk_shape"] is [Any] else {
            throw FormatError.invalidMetadata(file: file, problem: "sharding needs 'chunk_shape'")
        }
        innerChunkShape = try JSONMetadata(file: file, object: config).intArray("chunk_shape")
        guard innerChunkShape.count == rank, innerChunkShape.allSatisfy({ $0 > 0 }) else {
            throw FormatError.invalidMetadata(
                file: file, problem: "sharding 'chunk_shape' must have \(rank) positive sizes")
        }
        inner = try V3CodecChain(config["codecs"], dataType: dataType, rank: rank, file: file)
        let indexCodecs =
            config["index_codecs"] ?? [["name": "bytes", "configuration": ["endian": "little"]], ["name": "crc32c"]]
        index = try V3CodecChain(indexCodecs, dataType: .uint64, rank: rank + 1, file: file)
        if case .sharding = index.arrayToBytes {
            throw FormatError.invalidMetadata(file: file, problem: "sharded shard index")
        }
        guard index.bytesToBytes.allSatisfy({ $0 == .crc32c }) else {
            throw FormatError.unsupported(
                "shard index codecs \(index.names) in \(file) (the index must have a fixed size)")
        }
        let location = (config["index_location"] as? String) ?? "end"
        guard location == "start" || location == "end" else {
            throw FormatError.invalidMetadata(file: file, problem: "index_location '\(location)'")
        }
        indexAtStart = location == "start"
    }

    /// Inner chunks along each axis of a shard.
    func innerGrid(_ shardShape: [Int]) throws -> [Int] {
        guard zip(shardShape, innerChunkShape).allSatisfy({ $0 % $1 == 0 }) else {
            throw FormatError.invalidMetadata(
                file: nil,
                problem: "shard shape \(shardShape) is not a multiple of the inner chunk shape \(innerChunkShape)")
        }
        return zip(shardShape, innerChunkShape).map { $0 / $1 }
    }

    /// Encoded size of the index: 16 bytes an inner chunk plus 4 a crc32c.
    func indexByteCount(_ shardShape: [Int]) throws -> Int {
        let field = "sharding 'chunk_shape' \(innerChunkShape) in shard shape \(shardShape)"
        let entries = try CheckedSize.product(innerGrid(shardShape), field)
        let bytes = try CheckedSize.add(CheckedSize.multiply(entries, 16, field), 4 * index.bytesToBytes.count, field)
        guard bytes <= CheckedSize.maxChunkBytes else {
            throw FormatError("the shard index of \(field) would take \(bytes) bytes (at most 2 GiB)")
        }
        return bytes
    }

    /// Decodes an encoded index into (offset, nbytes) pairs, nil for absent chunks.
    func decodeIndex(_ bytes: [UInt8], shardShape: [Int]) throws -> [(Int, Int)?] {
        let grid = try innerGrid(shardShape)
        let values = try index.decode(bytes, shape: grid + [2], dataType: .uint64, fill: .zero)
        let n = values.count / 16
        return try values.withUnsafeBytes { raw in
            let p = raw.bindMemory(to: UInt64.self)
            return try (0..<n).map { i in
                let off = p[2 * i], len = p[2 * i + 1]
                if off == .max && len == .max { return nil }
                // Entries are checked against the shard's size when read; here only that they are offsets at all.
                guard let o = Int(exactly: off), let l = Int(exactly: len),
                    o.addingReportingOverflow(l).overflow == false
                else {
                    throw FormatError.corruptData(
                        "shard index entry \(i) (offset \(off), length \(len)) lies beyond any file")
                }
                return (o, l)
            }
        }
    }

    /// Locates the index in a whole shard.
    func indexBytes(inShard shard: [UInt8], shardShape: [Int]) throws -> [UInt8] {
        let size = try indexByteCount(shardShape)
        guard shard.count >= size else {
            throw FormatError.corruptData("shard is truncated (\(shard.count) bytes, index needs \(size))")
        }
        return indexAtStart ? Array(shard[0..<size]) : Array(shard[(shard.count - size)...])
    }

    /// Decodes one inner chunk's bytes.
    func decodeInner(_ bytes: [UInt8], dataType: DataType, fill: Scalar) throws -> [UInt8] {
        try inner.decode(bytes, shape: innerChunkShape, dataType: dataType, fill: fill)
    }

    /// Decodes a whole shard (used when a shard is itself an inner chunk: nested sharding).
    func decodeShard(_ shard: [UInt8], shardShape: [Int], dataType: DataType, fill: Scalar) throws -> [UInt8] {
        let grid = try innerGrid(shardShape)
        let entries = try decodeIndex(try indexBytes(inShard: shard, shardShape: shardShape), shardShape: shardShape)
        var out = ArrayBuffer(dataType: dataType, shape: shardShape, filledWith: fill)
        let chunkGrid = ChunkGrid(shape: shardShape, chunkShape: innerChunkShape)
        for (i, entry) in entries.enumerated() {
            guard let (offset, length) = entry else { continue }
            guard offset >= 0, length >= 0, offset <= shard.count - length else {
                throw FormatError.corruptData(
                    "inner chunk \(i) lies outside the shard (\(offset)+\(length) > \(shard.count))")
            }
            let bytes = try decodeInner(Array(shard[offset..<(offset + length)]), dataType: dataType, fill: fill)
            let idx = unravel(i, grid)
            let chunk = ArrayBuffer(dataType: dataType, shape: innerChunkShape, bytes: bytes)
            RegionCopy.copy(
                chunk, origin: zip(idx, innerChunkShape).map(*), into: &out,
                regionOrigin: [Int](repeating: 0, count: grid.count),
                box: chunkGrid.region(of: idx))
        }
        return out.bytes
    }
}
