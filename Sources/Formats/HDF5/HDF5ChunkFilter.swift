import Codecs

/// The HDF5 filters vstack undoes itself on a chunk's stored bytes (read with `H5Dread_chunk`
/// under the lock, decoded outside it, so decoding runs on every core). Others (fletcher32,
/// bitshuffle, szip, …) leave the dataset on `H5Dread` under the lock.
enum HDF5ChunkFilter: Int32, Sendable {
    case deflate = 1
    case shuffle = 2
    /// hdf5plugin's ids (https://github.com/HDFGroup/hdf5_plugins/blob/master/docs/RegisteredFilterPlugins.md).
    case blosc = 32001
    case lz4 = 32004
    case zstd = 32015

    /// The filters of a pipeline in write order, when vstack can undo them all.
    static func pipeline(_ ids: [Int32]) -> [HDF5ChunkFilter]? {
        let filters = ids.compactMap(HDF5ChunkFilter.init(rawValue:))
        return filters.count == ids.count ? filters : nil
    }

    /// Undoes the filter. `last` says whether it is the first filter written (its output
    /// is the chunk itself, `chunkBytes` long); `elementSize` is shuffle's.
    func undo(_ data: [UInt8], chunkBytes: Int, last: Bool, elementSize: Int) throws -> [UInt8] {
        switch self {
        case .deflate:
            return try data.withUnsafeBytes { src in
                if last {
                    var out = [UInt8](repeating: 0, count: chunkBytes)
                    try out.withUnsafeMutableBytes { try Zlib.decompress(src, wrapper: .zlib, into: $0) }
                    return out
                }
                return try Zlib.decompressUnknownSize(src, wrapper: .zlib)
            }
        case .shuffle:
            return HDF5ChunkFilter.unshuffle(data, elementSize: elementSize)
        case .blosc:
            var out = [UInt8](repeating: 0, count: chunkBytes)
            try data.withUnsafeBytes { src in try out.withUnsafeMutableBytes { try Blosc.decompress(src, into: $0) } }
            return out
        case .zstd:
            return try data.withUnsafeBytes { src in
                var out = [UInt8](repeating: 0, count: chunkBytes)
                try out.withUnsafeMutableBytes { try Zstd.decompress(src, into: $0) }
                return out
            }
        case .lz4:
            return try HDF5ChunkFilter.lz4Blocks(data, chunkBytes: chunkBytes)
        }
    }

    /// HDF5's shuffle: byte k of every element stored together; the tail (count % size) as is.
    static func unshuffle(_ data: [UInt8], elementSize size: Int) -> [UInt8] {
        guard size > 1, data.count >= size else { return data }
        let n = data.count / size
        var out = data
        data.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { o in
                for k in 0..<size {
                    let plane = k * n
                    for i in 0..<n { o[i * size + k] = s[plane + i] }
                }
            }
        }
        return out
    }

    /// The HDF5 LZ4 filter's framing: total size (8 bytes, big-endian), block size (4), then
    /// each block as its compressed size (4, big-endian) and the LZ4 block (stored raw when
    /// the compressed size equals the block's).
    static func lz4Blocks(_ data: [UInt8], chunkBytes: Int) throws -> [UInt8] {
        func be(_ at: Int, _ width: Int) throws -> Int {
            guard at >= 0, at + width <= data.count else {
                throw CodecError.corrupt(codec: "lz4", reason: "truncated HDF5 LZ4 frame")
            }
            return data[at..<(at + width)].reduce(0) { $0 << 8 | Int($1) }
        }
        let total = try be(0, 8), block = try be(8, 4)
        guard total == chunkBytes, block > 0 else {
            throw CodecError.corrupt(
                codec: "lz4",
                reason: "HDF5 LZ4 frame of \(total) bytes (blocks of \(block)) for a chunk of \(chunkBytes)")
        }
        var out = [UInt8](repeating: 0, count: total)
        var at = 12, done = 0
        while done < total {
            let want = min(block, total - done)
            let stored = try be(at, 4)
            at += 4
            guard stored > 0, at + stored <= data.count else {
                throw CodecError.corrupt(codec: "lz4", reason: "truncated HDF5 LZ4 block")
            }
            if stored == want {
                out.replaceSubrange(done..<(done + want), with: data[at..<(at + stored)])
            } else {
                try data.withUnsafeBytes { src in
                    try out.withUnsafeMutableBytes { dst in
                        try LZ4.decompress(
                            UnsafeRawBufferPointer(rebasing: src[at..<(at + stored)]),
                            into: UnsafeMutableRawBufferPointer(rebasing: dst[done..<(done + want)]))
                    }
                }
            }
            at += stored
            done += want
        }
        return out
    }
}
