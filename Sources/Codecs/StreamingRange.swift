import CZlib
import CZstd

/// One byte range of what a zstd, zlib or gzip stream decodes to, without
/// decoding — or even reading — the whole stream: compressed input is pulled
/// in pieces, output before the range is decoded into a small scratch buffer
/// and dropped, and decoding stops at the end of the range. Memory is the
/// range, the pieces and the decoder's window; time grows with the range's end.
public enum StreamingRange {
    /// Compressed bytes pulled at a time.
    public static let pieceSize = 1 << 20

    /// - Parameters:
    ///   - codec: `.zstd`, `.zlib` or `.gzip`.
    ///   - fetch: up to `length` compressed bytes from `offset` (fewer only at the end of the data),
    ///     or nil when there is no stored data.
    /// - Returns: the decoded bytes of the range and the compressed bytes fetched; nil when
    ///   `fetch` finds no data.
    public static func read(
        _ codec: BytesCodec, byteOffset: Int, byteCount: Int, expectedSize: Int,
        fetch: (_ offset: Int, _ length: Int) throws -> [UInt8]?
    ) throws -> (bytes: [UInt8], fetched: Int)? {
        guard byteOffset >= 0, byteCount >= 0, byteOffset <= expectedSize - byteCount else {
            throw CodecError.rangeOutside(
                codec: "\(codec)", unit: "byte", lowerBound: byteOffset, upperBound: byteOffset + byteCount,
                bound: "the \(expectedSize) decoded bytes")
        }
        var out = [UInt8]()
        out.reserveCapacity(byteCount)
        let end = byteOffset + byteCount
        var produced = 0, fetched = 0
        /// Keeps the part of freshly decoded bytes that falls in the range.
        func take(_ chunk: UnsafeRawBufferPointer) {
            let lo = max(byteOffset, produced), hi = min(end, produced + chunk.count)
            if lo < hi { out.append(contentsOf: chunk[(lo - produced)..<(hi - produced)]) }
            produced += chunk.count
        }
        var scratch = [UInt8](repeating: 0, count: 1 << 17)
        var input: [UInt8] = []
        var used = 0
        var exhausted = false, absent = false
        /// More input when the current piece is used up; false at the end of the data
        /// and when there is no data (`absent`).
        func refill() throws -> Bool {
            guard used == input.count else { return true }
            guard !exhausted else { return false }
            guard let piece = try fetch(fetched, pieceSize) else {
                absent = true
                return false
            }
            input = piece
            used = 0
            fetched += input.count
            if input.count < pieceSize { exhausted = true }
            return !input.isEmpty
        }
        switch codec {
        case .zstd:
            guard let dctx = ZSTD_createDCtx() else {
                throw CodecError.decoderUnavailable(codec: "zstd", reason: "out of memory")
            }
            defer { ZSTD_freeDCtx(dctx) }
            var last = 1
            while produced < end {
                guard try refill() else {
                    if absent { return nil }
                    throw last == 0
                        ? CodecError.sizeMismatch(codec: "zstd", decoded: produced, expected: expectedSize)
                        : CodecError.truncated(codec: "zstd", what: "data", detail: nil)
                }
                let (n, consumed) = try input.withUnsafeBytes { src in
                    try scratch.withUnsafeMutableBytes { dst -> (Int, Int) in
                        var i = ZSTD_inBuffer(src: src.baseAddress! + used, size: src.count - used, pos: 0)
                        var o = ZSTD_outBuffer(dst: dst.baseAddress, size: dst.count, pos: 0)
                        last = ZSTD_decompressStream(dctx, &o, &i)
                        if ZSTD_isError(last) != 0 {
                            throw CodecError.corrupt(codec: "zstd", reason: String(cString: ZSTD_getErrorName(last)))
                        }
                        take(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(dst)[0..<o.pos]))
                        return (o.pos, i.pos)
                    }
                }
                used += consumed
                if n == 0 && consumed == 0 && used == input.count && exhausted {
                    throw CodecError.truncated(codec: "zstd", what: "data", detail: nil)
                }
            }
        case .zlib, .gzip:
            let name = codec == .zlib ? "zlib" : "gzip"
            var stream = z_stream()
            guard
                inflateInit2_(&stream, codec == .zlib ? 15 : 31, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
                    == Z_OK
            else {
                throw CodecError.decoderUnavailable(codec: name, reason: "cannot initialise inflate")
            }
            defer { inflateEnd(&stream) }
            var finished = false
            while produced < end {
                if finished { throw CodecError.sizeMismatch(codec: name, decoded: produced, expected: expectedSize) }
                guard try refill() else {
                    if absent { return nil }
                    throw CodecError.truncated(codec: name, what: "data", detail: nil)
                }
                let consumed = try input.withUnsafeBytes { src in
                    try scratch.withUnsafeMutableBytes { dst -> Int in
                        let available = src.count - used
                        stream.next_in = UnsafeMutablePointer(
                            mutating: (src.baseAddress! + used).assumingMemoryBound(to: UInt8.self))
                        stream.avail_in = UInt32(available)
                        stream.next_out = dst.baseAddress!.assumingMemoryBound(to: UInt8.self)
                        stream.avail_out = UInt32(dst.count)
                        let rc = inflate(&stream, Z_NO_FLUSH)
                        if rc == Z_STREAM_END {
                            finished = true
                        } else if rc != Z_OK && rc != Z_BUF_ERROR {
                            throw CodecError.corrupt(
                                codec: name,
                                reason: "corrupt data (\(stream.msg.map { String(cString: $0) } ?? "error \(rc)"))")
                        }
                        take(
                            UnsafeRawBufferPointer(
                                rebasing: UnsafeRawBufferPointer(dst)[0..<(dst.count - Int(stream.avail_out))]))
                        return available - Int(stream.avail_in)
                    }
                }
                used += consumed
            }
        default:
            throw CodecError.unsupported(codec: "\(codec)", operation: "cannot be read as a stream")
        }
        return (out, fetched)
    }
}
