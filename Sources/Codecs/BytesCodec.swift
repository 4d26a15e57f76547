/// The bytes → bytes codecs Zarr uses (v2 compressors, v3 bytes-to-bytes
/// codecs), as one decode entry point over whole buffers.
public enum BytesCodec: Sendable, Equatable {
    case blosc
    case zstd
    case zlib
    case gzip
    case lz4
    /// zarr v3 `crc32c`: a 4-byte little-endian CRC-32C appended to the data.
    case crc32c

    /// Decodes `src`. When `expectedSize` is known the output must have
    /// exactly that size; otherwise the size comes from the codec's own header.
    public func decode(_ src: [UInt8], expectedSize: Int?) throws -> [UInt8] {
        switch self {
        case .crc32c:
            guard src.count >= 4 else {
                throw CodecError.truncated(codec: "crc32c", what: "data", detail: "\(src.count) bytes")
            }
            let n = src.count - 4
            let stored = UInt32(src[n]) | UInt32(src[n + 1]) << 8 | UInt32(src[n + 2]) << 16 | UInt32(src[n + 3]) << 24
            let actual = src.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            guard stored == actual else {
                throw CodecError.checksumMismatch(stored: stored, computed: actual)
            }
            return Array(src[0..<n])
        case .blosc:
            let size = try expectedSize ?? src.withUnsafeBytes { try Blosc.header($0).uncompressedBytes }
            try checkClaim(src, size)
            return try Self.produce(size) { dst in try src.withUnsafeBytes { try Blosc.decompress($0, into: dst) } }
        case .zstd:
            if let size = expectedSize {
                try checkClaim(src, size)
                return try Self.produce(size) { dst in try src.withUnsafeBytes { try Zstd.decompress($0, into: dst) } }
            }
            return try src.withUnsafeBytes { try Zstd.decompressUnknownSize($0) }
        case .zlib, .gzip:
            let wrapper: Zlib.Wrapper = self == .zlib ? .zlib : .gzip
            if let size = expectedSize {
                try checkClaim(src, size)
                return try Self.produce(size) { dst in
                    try src.withUnsafeBytes { try Zlib.decompress($0, wrapper: wrapper, into: dst) }
                }
            }
            return try src.withUnsafeBytes { try Zlib.decompressUnknownSize($0, wrapper: wrapper) }
        case .lz4:
            guard src.count >= 4 else {
                throw CodecError.truncated(codec: "lz4", what: "header", detail: "\(src.count) bytes")
            }
            var size = Int(UInt32(src[0]) | UInt32(src[1]) << 8 | UInt32(src[2]) << 16 | UInt32(src[3]) << 24)
            guard size <= LZ4.maximumDecodedSize(compressedBytes: src.count - 4) else {
                throw CodecError.corrupt(
                    codec: "lz4", reason: "corrupt header (claims \(size) bytes from \(src.count - 4))")
            }
            size = expectedSize ?? size
            return try Self.produce(size) { dst in try src.withUnsafeBytes { try LZ4.decompress($0, into: dst) } }
        }
    }

    /// The most bytes this codec's output for `decoded` bytes can take: the
    /// compressors' worst case on incompressible data (blosc, zstd, zlib, lz4
    /// all stay within n/16 plus a header) or crc32c's 4 bytes. A stored chunk
    /// larger than this is corrupt and is refused before it is read.
    public func maxEncodedSize(decoded: Int) -> Int {
        self == .crc32c ? Self.adding(decoded, 4) : Self.maxStoredSize(decoded: decoded)
    }

    /// The bound of a compressor's output, also used for raw (uncompressed) chunks so
    /// that one a little too long is reported by its decoded size, not refused unread.
    public static func maxStoredSize(decoded: Int) -> Int { adding(decoded, decoded / 16 + 65536) }

    private static func adding(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }

    /// Refuses, before the output is allocated, a size the input cannot decode to:
    /// blosc and zstd headers declare theirs; deflate expands at most 1032:1.
    func checkClaim(_ src: [UInt8], _ size: Int) throws {
        switch self {
        case .blosc:
            let declared = try src.withUnsafeBytes { try Blosc.header($0).uncompressedBytes }
            guard declared == size else {
                throw CodecError.sizeMismatch(codec: "blosc", decoded: declared, expected: size)
            }
        case .zstd:
            if let declared = try src.withUnsafeBytes({ try Zstd.declaredSize($0) }), declared != size {
                throw CodecError.sizeMismatch(codec: "zstd", decoded: declared, expected: size)
            }
        case .zlib, .gzip:
            guard size / 1032 <= src.count else {
                throw CodecError.implausibleSize(
                    codec: "\(self)",
                    reason: "\(src.count) compressed bytes cannot decode to \(size) (deflate expands at most 1032:1)")
            }
        case .lz4, .crc32c: break
        }
    }

    /// The most a decoder produces when the caller cannot say how much to expect: the
    /// largest chunk vstack reads (2 GiB), so a stream that claims or expands to more is an
    /// error, not an allocation.
    public static let maxUnknownOutput = 1 << 31

    /// Allocates `size` bytes without zeroing them and lets `fill` write all of them.
    static func produce(_ size: Int, _ fill: (UnsafeMutableRawBufferPointer) throws -> Void) throws -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: size) { buf, n in
            try fill(UnsafeMutableRawBufferPointer(buf))
            n = size
        }
    }
}

func hex8(_ v: UInt32) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: 8 - s.count) + s
}
