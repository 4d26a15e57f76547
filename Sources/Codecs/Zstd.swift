import CZstd

/// Zstandard frames (numcodecs `zstd`, zarr v3 `zstd`).
public enum Zstd {
    /// The decoded size the frame headers declare (nil when a frame does not say).
    public static func declaredSize(_ src: UnsafeRawBufferPointer) throws -> Int? {
        let total = ZSTD_findDecompressedSize(src.baseAddress, src.count)
        if total == ZSTD_CONTENTSIZE_ERROR {
            throw CodecError.corrupt(codec: "zstd", reason: "corrupt or truncated data")
        }
        if total == ZSTD_CONTENTSIZE_UNKNOWN { return nil }
        return Int(exactly: total) ?? .max
    }

    /// Decompresses one or more concatenated frames into exactly `dst.count` bytes.
    public static func decompress(_ src: UnsafeRawBufferPointer, into dst: UnsafeMutableRawBufferPointer) throws {
        guard let dctx = ZSTD_createDCtx() else {
            throw CodecError.decoderUnavailable(codec: "zstd", reason: "out of memory")
        }
        defer { ZSTD_freeDCtx(dctx) }
        // Walks every frame header; fails if a frame is cut short.
        let total = ZSTD_findDecompressedSize(src.baseAddress, src.count)
        if total == ZSTD_CONTENTSIZE_ERROR {
            throw CodecError.corrupt(codec: "zstd", reason: "corrupt or truncated data")
        }
        if total != ZSTD_CONTENTSIZE_UNKNOWN {
            guard total == UInt64(dst.count) else {
                // A claim beyond Int.max cannot be a size; it keeps its text.
                throw Int(exactly: total).map {
                    CodecError.sizeMismatch(codec: "zstd", decoded: $0, expected: dst.count)
                }
                    ?? CodecError.implausibleSize(
                        codec: "zstd", reason: "decodes to \(total) bytes, expected \(dst.count)")
            }
            let n = ZSTD_decompressDCtx(dctx, dst.baseAddress, dst.count, src.baseAddress, src.count)
            if ZSTD_isError(n) != 0 {
                throw CodecError.corrupt(codec: "zstd", reason: String(cString: ZSTD_getErrorName(n)))
            }
            guard n == dst.count else { throw CodecError.sizeMismatch(codec: "zstd", decoded: n, expected: dst.count) }
            return
        }
        // Frames without a content size in their header: stream.
        var input = ZSTD_inBuffer(src: src.baseAddress, size: src.count, pos: 0)
        var output = ZSTD_outBuffer(dst: dst.baseAddress, size: dst.count, pos: 0)
        var pending = 1
        while input.pos < input.size {
            let before = (input.pos, output.pos)
            pending = ZSTD_decompressStream(dctx, &output, &input)
            if ZSTD_isError(pending) != 0 {
                throw CodecError.corrupt(codec: "zstd", reason: String(cString: ZSTD_getErrorName(pending)))
            }
            if before == (input.pos, output.pos) {
                throw CodecError.outputTooLarge(codec: "zstd", limit: "the expected \(dst.count) bytes")
            }
        }
        if pending != 0 { throw CodecError.truncated(codec: "zstd", what: "data", detail: nil) }
        guard output.pos == dst.count else {
            throw CodecError.sizeMismatch(codec: "zstd", decoded: output.pos, expected: dst.count)
        }
    }
}

extension Zstd {
    /// The densest zstd encoding: an RLE block of 128 KiB from a 3-byte block header and one byte.
    static let maxRatio = (128 << 10) / 4

    /// Decompresses when the size is not known in advance (frames without a
    /// content size after a codec whose output size the caller cannot know).
    public static func decompressUnknownSize(_ src: UnsafeRawBufferPointer) throws -> [UInt8] {
        let total = ZSTD_findDecompressedSize(src.baseAddress, src.count)
        if total == ZSTD_CONTENTSIZE_ERROR {
            throw CodecError.corrupt(codec: "zstd", reason: "corrupt or truncated data")
        }
        if total != ZSTD_CONTENTSIZE_UNKNOWN {
            // A declared size is allocated only when it fits a chunk and the input can decode to it.
            guard total <= UInt64(BytesCodec.maxUnknownOutput), let size = Int(exactly: total) else {
                throw CodecError.implausibleSize(
                    codec: "zstd", reason: "the frames claim \(total) bytes, more than the 2 GiB a chunk may decode to")
            }
            guard size / maxRatio <= src.count else {
                throw CodecError.implausibleSize(
                    codec: "zstd",
                    reason:
                        "\(src.count) compressed bytes cannot decode to \(total) (zstd expands at most \(maxRatio):1)")
            }
            return try BytesCodec.produce(size) { try decompress(src, into: $0) }
        }
        guard let dctx = ZSTD_createDCtx() else {
            throw CodecError.decoderUnavailable(codec: "zstd", reason: "out of memory")
        }
        defer { ZSTD_freeDCtx(dctx) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var input = ZSTD_inBuffer(src: src.baseAddress, size: src.count, pos: 0)
        var pending = 1
        while input.pos < input.size || pending != 0 {
            let produced = try chunk.withUnsafeMutableBytes { c -> Int in
                var output = ZSTD_outBuffer(dst: c.baseAddress, size: c.count, pos: 0)
                pending = ZSTD_decompressStream(dctx, &output, &input)
                if ZSTD_isError(pending) != 0 {
                    throw CodecError.corrupt(codec: "zstd", reason: String(cString: ZSTD_getErrorName(pending)))
                }
                return output.pos
            }
            out.append(contentsOf: chunk[0..<produced])
            if out.count > BytesCodec.maxUnknownOutput {
                throw CodecError.outputTooLarge(codec: "zstd", limit: "the 2 GiB a chunk may hold")
            }
            if produced == 0 && input.pos == input.size {
                if pending != 0 { throw CodecError.truncated(codec: "zstd", what: "data", detail: nil) }
                break
            }
        }
        return out
    }
}
