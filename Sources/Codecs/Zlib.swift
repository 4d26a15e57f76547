import CZlib

/// DEFLATE streams with a zlib (numcodecs `zlib`) or gzip (`gzip`) wrapper.
public enum Zlib {
    public enum Wrapper: Sendable { case zlib, gzip }

    /// Inflates into exactly `dst.count` bytes.
    public static func decompress(
        _ src: UnsafeRawBufferPointer, wrapper: Wrapper,
        into dst: UnsafeMutableRawBufferPointer
    ) throws {
        let name = wrapper == .zlib ? "zlib" : "gzip"
        var stream = z_stream()
        let windowBits: Int32 = wrapper == .zlib ? 15 : 31
        guard inflateInit2_(&stream, windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw CodecError.decoderUnavailable(codec: name, reason: "cannot initialise inflate")
        }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: src.baseAddress?.assumingMemoryBound(to: UInt8.self))
        stream.avail_in = UInt32(src.count)
        stream.next_out = dst.baseAddress?.assumingMemoryBound(to: UInt8.self)
        stream.avail_out = UInt32(dst.count)
        var scratch: UInt8 = 0
        while true {
            let rc = inflate(&stream, Z_FINISH)
            if rc == Z_STREAM_END {
                // gzip may hold several members; numcodecs writes one.
                break
            }
            if rc == Z_BUF_ERROR && stream.avail_out == 0 {
                // Output full: anything more means the data is larger than expected.
                let produced = withUnsafeMutablePointer(to: &scratch) { p -> UInt32 in
                    stream.next_out = p
                    stream.avail_out = 1
                    _ = inflate(&stream, Z_NO_FLUSH)
                    return 1 - stream.avail_out
                }
                if produced > 0 {
                    throw CodecError.outputTooLarge(codec: name, limit: "the expected \(dst.count) bytes")
                }
                throw CodecError.truncated(codec: name, what: "data", detail: nil)
            }
            if rc == Z_BUF_ERROR { throw CodecError.truncated(codec: name, what: "data", detail: nil) }
            if rc != Z_OK {
                let msg = stream.msg.map { String(cString: $0) } ?? "error \(rc)"
                throw CodecError.corrupt(codec: name, reason: "corrupt data (\(msg))")
            }
        }
        let produced = dst.count - Int(stream.avail_out)
        guard produced == dst.count else {
            throw CodecError.sizeMismatch(codec: name, decoded: produced, expected: dst.count)
        }
    }
}

extension Zlib {
    /// Inflates when the size is not known in advance.
    public static func decompressUnknownSize(_ src: UnsafeRawBufferPointer, wrapper: Wrapper) throws -> [UInt8] {
        let name = wrapper == .zlib ? "zlib" : "gzip"
        var stream = z_stream()
        guard
            inflateInit2_(&stream, wrapper == .zlib ? 15 : 31, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else {
            throw CodecError.decoderUnavailable(codec: name, reason: "cannot initialise inflate")
        }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: src.baseAddress?.assumingMemoryBound(to: UInt8.self))
        stream.avail_in = UInt32(src.count)
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let (rc, produced) = chunk.withUnsafeMutableBufferPointer { c -> (Int32, Int) in
                stream.next_out = c.baseAddress
                stream.avail_out = UInt32(c.count)
                let rc = inflate(&stream, Z_NO_FLUSH)
                return (rc, c.count - Int(stream.avail_out))
            }
            out.append(contentsOf: chunk[0..<produced])
            if rc == Z_STREAM_END { return out }
            if out.count > BytesCodec.maxUnknownOutput {
                throw CodecError.outputTooLarge(codec: name, limit: "the 2 GiB a chunk may hold")
            }
            if rc == Z_BUF_ERROR || (rc == Z_OK && produced == 0 && stream.avail_in == 0) {
                throw CodecError.truncated(codec: name, what: "data", detail: nil)
            }
            if rc != Z_OK {
                let msg = stream.msg.map { String(cString: $0) } ?? "error \(rc)"
                throw CodecError.corrupt(codec: name, reason: "corrupt data (\(msg))")
            }
        }
    }
}
