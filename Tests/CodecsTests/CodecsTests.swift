import Testing
@testable import Codecs

@Suite struct CRC32CTests {
    /// The check value from the CRC catalogue (CRC-32/ISCSI) and RFC 3720's test patterns.
    @Test func knownVectors() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum([]) == 0)
    }

    /// The 8-byte fast path agrees with the byte-at-a-time tail at every length and offset.
    @Test func slicingMatchesBytewise() {
        var rng = SystemRandomNumberGenerator()
        let data = (0..<300).map { _ in UInt8.random(in: 0...255, using: &rng) }
        for start in 0..<9 {
            for end in stride(from: start, through: data.count, by: 13) {
                let slice = Array(data[start..<end])
                var crc: UInt32 = 0xFFFF_FFFF
                for b in slice { crc = CRC32C.tables[0][Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
                #expect(CRC32C.checksum(slice) == crc ^ 0xFFFF_FFFF)
            }
        }
    }
}

@Suite struct TransposeTests {
    @Test func matchesIndexArithmetic() {
        let shape = [2, 3, 4]
        let src: [UInt8] = (0..<24).map { UInt8($0) }
        for axes in [[0, 1, 2], [2, 0, 1], [1, 2, 0], [2, 1, 0], [0, 2, 1], [1, 0, 2]] {
            let out = Transpose.permute(src, shape: shape, axes: axes, elementSize: 1)
            let oshape = axes.map { shape[$0] }
            var k = 0
            for i in 0..<oshape[0] {
                for j in 0..<oshape[1] {
                    for l in 0..<oshape[2] {
                        var idx = [0, 0, 0]
                        idx[axes[0]] = i
                        idx[axes[1]] = j
                        idx[axes[2]] = l
                        #expect(out[k] == src[idx[0] * 12 + idx[1] * 4 + idx[2]], "axes \(axes)")
                        k += 1
                    }
                }
            }
        }
    }

    @Test func multiByteElementsStayWhole() {
        let src: [UInt8] = (0..<12).flatMap { v -> [UInt8] in [UInt8(v), 0xA0 | UInt8(v)] }
        let out = Transpose.permute(src, shape: [3, 4], axes: [1, 0], elementSize: 2)
        #expect(out[0..<4] == [0, 0xA0, 4, 0xA4])
    }
}

/// Garbage, truncated and empty inputs make every decoder throw or produce the
/// requested size, never crash or overrun.
@Suite struct HostileInputTests {
    /// A zstd frame whose header claims 2^40 bytes is refused before anything is allocated,
    /// even where the caller cannot say how much to expect.
    @Test func zstdClaimWithoutExpectedSizeIsBounded() {
        var frame: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD, 0xE0]  // magic; 8-byte content size, single segment
        frame += withUnsafeBytes(of: UInt64(1 << 40).littleEndian) { Array($0) }
        frame += [0x01, 0x00, 0x00]  // one empty raw block, the last
        #expect(throws: CodecError.self) { try BytesCodec.zstd.decode(frame, expectedSize: nil) }
    }

    @Test(arguments: [BytesCodec.blosc, .zstd, .zlib, .gzip, .lz4, .crc32c])
    func garbageNeverCrashes(_ codec: BytesCodec) {
        var rng = SystemRandomNumberGenerator()
        for n in [0, 1, 3, 4, 15, 16, 17, 64, 1000] {
            for _ in 0..<20 {
                let junk = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
                if let out = try? codec.decode(junk, expectedSize: 256) {
                    #expect(codec == .crc32c || out.count == 256)
                }
                _ = try? codec.decode(junk, expectedSize: nil)
            }
        }
    }

    @Test func bloscHeaderClaimsMoreThanThereIs() {
        // A valid-looking header (version 2, flags, typesize 2, nbytes 1 MiB, blocksize, cbytes 1 MiB) with no payload.
        var header: [UInt8] = [2, 1, 0x01, 2]
        for v: UInt32 in [1 << 20, 1 << 16, 1 << 20] { header += withUnsafeBytes(of: v.littleEndian, Array.init) }
        #expect(throws: CodecError.self) { try BytesCodec.blosc.decode(header, expectedSize: 1 << 20) }
    }

    /// A size the input cannot decode to is refused before the output is allocated
    /// (a 1 KB chunk of a .zarray claiming 2 GiB chunks must not reserve 2 GiB).
    @Test func claimedSizesAreCheckedBeforeAllocating() {
        var header: [UInt8] = [2, 1, 0x01, 2]
        for v: UInt32 in [64, 64, 16 + 64] { header += withUnsafeBytes(of: v.littleEndian, Array.init) }
        let blosc = #expect(throws: CodecError.sizeMismatch(codec: "blosc", decoded: 64, expected: 1 << 31)) {
            try BytesCodec.blosc.decode(header + [UInt8](repeating: 0, count: 64), expectedSize: 1 << 31)
        }
        #expect(blosc?.description == "blosc: decodes to 64 bytes, expected 2147483648")
        let zlib = #expect(throws: CodecError.self) {
            try BytesCodec.zlib.decode([UInt8](repeating: 0, count: 10), expectedSize: 1 << 31)
        }
        guard case .implausibleSize(codec: "zlib", _)? = zlib else {
            Issue.record("not an implausible size: \(String(describing: zlib))")
            return
        }
        #expect(
            zlib?.description
                == "zlib: 10 compressed bytes cannot decode to 2147483648 (deflate expands at most 1032:1)")
        #expect(BytesCodec.zstd.maxEncodedSize(decoded: 1 << 20) == (1 << 20) + (1 << 16) + 65536)
        #expect(BytesCodec.crc32c.maxEncodedSize(decoded: 100) == 104)
        #expect(BytesCodec.maxStoredSize(decoded: .max) == .max)
    }

    @Test func lz4SizeMismatchIsNamed() throws {
        let framed: [UInt8] = [8, 0, 0, 0, 0x80, 1, 2, 3, 4, 5, 6, 7, 8]
        let mismatch = #expect(throws: CodecError.sizeMismatch(codec: "lz4", decoded: 8, expected: 16)) {
            try BytesCodec.lz4.decode(framed, expectedSize: 16)
        }
        #expect(mismatch?.description == "lz4: decodes to 8 bytes, expected 16")
        #expect(try BytesCodec.lz4.decode(framed, expectedSize: 8) == [1, 2, 3, 4, 5, 6, 7, 8])
    }
}
