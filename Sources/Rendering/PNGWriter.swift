import CZlib

/// Minimal PNG encoder: 8-bit RGB, no interlace, one zlib-compressed IDAT.
public enum PNGWriter {
    public static func encode(width: Int, height: Int, rgb: [RGB]) throws -> [UInt8] {
        precondition(rgb.count == width * height)
        // Each row: filter byte 0 (none), then RGB triples.
        var raw = [UInt8]()
        raw.reserveCapacity(height * (1 + 3 * width))
        for y in 0..<height {
            raw.append(0)
            for x in 0..<width {
                let c = rgb[y * width + x]
                raw.append(c.r); raw.append(c.g); raw.append(c.b)
            }
        }
        let compressed = try Deflate.compress(raw, level: 6)

        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header = be32(UInt32(width)) + be32(UInt32(height))
        header += [8, 2, 0, 0, 0]  // bit depth 8, colour type RGB, deflate, filter 0, no interlace
        chunk("IHDR", header, into: &out)
        chunk("IDAT", compressed, into: &out)
        chunk("IEND", [], into: &out)
        return out
    }

    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }

    static func chunk(_ type: String, _ data: [UInt8], into out: inout [UInt8]) {
        let typeBytes = Array(type.utf8)
        out += be32(UInt32(data.count))
        let body = typeBytes + data
        out += body
        let crc = body.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
        out += be32(UInt32(crc))
    }
}
