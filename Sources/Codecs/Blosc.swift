import CBlosc

/// Blosc (v1 frame format, as written by numcodecs and zarr v3's `blosc` codec).
public enum Blosc {
    /// Size information from a blosc header, checked against the buffer it came from.
    public struct Header: Sendable, Equatable {
        public let uncompressedBytes: Int
        public let compressedBytes: Int
        public let blockBytes: Int
        public let typeSize: Int
    }

    /// - Parameter wholeFrame: whether `src` must hold the whole frame (false:
    ///   the header alone, for reads that fetch the blocks they need).
    public static func header(_ src: UnsafeRawBufferPointer, wholeFrame: Bool = true) throws -> Header {
        guard src.count >= Int(BLOSC_MIN_HEADER_LENGTH), let base = src.baseAddress else {
            throw CodecError.truncated(codec: "blosc", what: "header", detail: "\(src.count) bytes")
        }
        var nbytes = 0, cbytes = 0, blocksize = 0
        blosc_cbuffer_sizes(base, &nbytes, &cbytes, &blocksize)
        var typesize = 0, flags: Int32 = 0
        blosc_cbuffer_metainfo(base, &typesize, &flags)
        guard cbytes >= Int(BLOSC_MIN_HEADER_LENGTH) else {
            throw CodecError.corrupt(codec: "blosc", reason: "corrupt header")
        }
        guard nbytes >= 0, nbytes <= Int(Int32.max) - Int(BLOSC_MAX_OVERHEAD), typesize > 0 else {
            throw CodecError.corrupt(codec: "blosc", reason: "corrupt header")
        }
        guard cbytes <= src.count || !wholeFrame else {
            throw CodecError.truncated(codec: "blosc", what: "data", detail: "\(src.count) of \(cbytes) bytes")
        }
        return Header(uncompressedBytes: nbytes, compressedBytes: cbytes, blockBytes: blocksize, typeSize: typesize)
    }

    /// Decompresses `src` into exactly `dst.count` bytes.
    public static func decompress(_ src: UnsafeRawBufferPointer, into dst: UnsafeMutableRawBufferPointer) throws {
        let h = try header(src)
        guard h.uncompressedBytes == dst.count else {
            throw CodecError.sizeMismatch(codec: "blosc", decoded: h.uncompressedBytes, expected: dst.count)
        }
        if dst.count == 0 { return }
        // The _ctx variant is reentrant: no global lock, no internal threads.
        let n = blosc_decompress_ctx(src.baseAddress, dst.baseAddress, dst.count, 1)
        guard n == dst.count else {
            throw CodecError.corrupt(codec: "blosc", reason: "corrupt data (decompress returned \(n))")
        }
    }

    /// Decompresses `count` items of the header's type size starting at item `start`,
    /// touching only the blocks that hold them (blosc_getitem).
    public static func decompressItems(
        _ src: UnsafeRawBufferPointer, start: Int, count: Int,
        into dst: UnsafeMutableRawBufferPointer
    ) throws {
        let h = try header(src)
        guard (start + count) * h.typeSize <= h.uncompressedBytes, count * h.typeSize == dst.count else {
            throw CodecError.rangeOutside(
                codec: "blosc", unit: "item", lowerBound: start, upperBound: start + count, bound: "the buffer")
        }
        if count == 0 { return }
        let n = blosc_getitem(src.baseAddress, Int32(start), Int32(count), dst.baseAddress)
        guard n == dst.count else {
            throw CodecError.corrupt(codec: "blosc", reason: "corrupt data (getitem returned \(n))")
        }
    }
}
