// Any bytes through the codec decoders. Byte 0 picks the decoder, bytes 1–4
// its sizes (expected size, range offset and count, each at most 64 KiB),
// the rest is the encoded data: BytesCodec.decode for blosc, zstd, zlib,
// gzip, lz4 and crc32c (with and without an expected size), StreamingRange,
// blosc's partial reads, and the sharding index decode of Zarr v3.
import Codecs
@testable import Formats
import FuzzSupport

let codecs: [BytesCodec] = [.blosc, .zstd, .zlib, .gzip, .lz4, .crc32c]
let streamed: [BytesCodec] = [.zstd, .zlib, .gzip]
/// The default shard index codecs (bytes + crc32c), and one without the crc32c.
let shardings: [V3Sharding] = [
    try! V3Sharding(
        ["chunk_shape": [1, 1], "codecs": [["name": "bytes"]]], dataType: .uint16, rank: 2, file: "zarr.json"),
    try! V3Sharding(
        [
            "chunk_shape": [2, 1], "codecs": [["name": "bytes"]], "index_location": "start",
            "index_codecs": [["name": "bytes", "configuration": ["endian": "big"]]],
        ],
        dataType: .uint16, rank: 2, file: "zarr.json"),
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCodecs(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard size >= 5 else { return 0 }
    let input = bytes(data, size)
    let mode = Int(input[0]) % 10
    let a = Int(input[1]) << 8 | Int(input[2]), b = Int(input[3]) << 8 | Int(input[4])
    let src = Array(input[5...])
    /// The stored bytes as a range fetch: exactly `length` bytes, or a throw past the end.
    func fetch(_ offset: Int, _ length: Int) throws -> [UInt8] {
        guard offset >= 0, length >= 0, offset <= src.count, length <= src.count - offset else {
            throw CodecError("short")
        }
        return Array(src[offset..<(offset + length)])
    }
    switch mode {
    case 0..<6:
        _ = try? codecs[mode].decode(src, expectedSize: a & 1 == 0 ? nil : a >> 1)
    case 6:
        _ = try? StreamingRange.read(
            streamed[a % 3], byteOffset: (b >> 8) << 4, byteCount: b & 0xff,
            expectedSize: a, fetch: { o, l in Array(src[min(o, src.count)..<min(o + l, src.count)]) })
    case 7:
        _ = try? Blosc.readRange(byteOffset: (b >> 8) << 4, byteCount: b & 0xff, expectedSize: a, fetch: fetch)
    case 8:
        var out = [UInt8](repeating: 0, count: (b & 0xff) * max(1, a >> 12))
        _ = try? src.withUnsafeBytes { s in
            try out.withUnsafeMutableBytes { try Blosc.decompressItems(s, start: b >> 8, count: b & 0xff, into: $0) }
        }
    default:
        let sharding = shardings[a & 1]
        let shardShape = [1 + (a >> 1) % 8 * 2, 1 + b % 8]
        if let entries = try? sharding.decodeIndex(src, shardShape: shardShape) { _ = entries.count }
        if let index = try? sharding.indexBytes(inShard: src, shardShape: shardShape) { _ = index.count }
    }
    return 0
}

// The executable's entry point (see runFuzzer).
@_cdecl("FuzzCodecs_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzCodecs)
}
