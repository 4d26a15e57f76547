import Foundation
import Testing
@testable import Stores

@Suite struct SHA256Tests {
    /// FIPS 180-2, appendix B: one block, two blocks, a million 'a'.
    @Test func fipsVectors() {
        #expect(
            SHA256.hex(SHA256.hash([UInt8]())) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(SHA256.hash("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256.hex(SHA256.hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            SHA256.hex(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// A collection without contiguous storage hashes like the same bytes in an array.
    @Test func nonContiguousCollections() {
        let text = "The quick brown fox jumps over the lazy dog"
        let expected = "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"
        #expect(SHA256.hex(SHA256.hash(Array(text.utf8))) == expected)
        #expect(SHA256.hex(SHA256.hash(text.utf8)) == expected)
        #expect(SHA256.hex(SHA256.hash(Array(text.utf8).lazy.map { $0 })) == expected)
        #expect(
            SHA256.hex(SHA256.hash(Array(text.utf8)[4...])) == SHA256.hex(SHA256.hash(Array(text.utf8.dropFirst(4)))))
    }

    /// RFC 4231 test cases 1–4, 6 and 7 (5 is a truncated MAC). 6 and 7 have a key longer than the block.
    @Test func rfc4231() {
        let cases: [([UInt8], [UInt8], String)] = [
            (
                [UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8),
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
            ),
            (
                Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
            ),
            (
                [UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50),
                "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"
            ),
            (
                Array(1...25), [UInt8](repeating: 0xcd, count: 50),
                "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"
            ),
            (
                [UInt8](repeating: 0xaa, count: 131),
                Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
            ),
            (
                [UInt8](repeating: 0xaa, count: 131),
                Array(
                    "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."
                        .utf8),
                "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
            ),
        ]
        for (i, (key, message, expected)) in cases.enumerated() {
            #expect(
                SHA256.hex(HMAC.sha256(key: key, message: message)) == expected,
                "RFC 4231 case \(i < 4 ? i + 1 : i + 2)")
        }
    }

    /// Random messages of every length 0…300 (across the 55/56/64-byte padding edges) and random
    /// keys of 0…200 bytes (across the 64-byte block), against Python's hashlib and hmac.
    @Test(.enabled(if: PythonReference.available, PythonReference.missing))
    func randomInputsMatchHashlib() throws {
        var rng = SystemRandomNumberGenerator()
        var cases: [(key: [UInt8], message: [UInt8])] = []
        for length in 0...300 {
            let message = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let key = (0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            cases.append((key, message))
        }
        let input = cases.map { SHA256.hex($0.key) + " " + SHA256.hex($0.message) }.joined(separator: "\n") + "\n"
        let script = """
            import sys, hashlib, hmac
            for line in sys.stdin.read().split("\\n"):
                if not line: continue
                k, _, m = line.partition(" ")
                k, m = bytes.fromhex(k), bytes.fromhex(m)
                print(hashlib.sha256(m).hexdigest(), hmac.new(k, m, hashlib.sha256).hexdigest())
            """
        let lines = try PythonReference.run(script, input: input).split(separator: "\n")
        try #require(lines.count == cases.count)
        for (c, line) in zip(cases, lines) {
            let parts = line.split(separator: " ").map(String.init)
            #expect(SHA256.hex(SHA256.hash(c.message)) == parts[0], "SHA-256 of \(c.message.count) bytes")
            #expect(
                SHA256.hex(HMAC.sha256(key: c.key, message: c.message)) == parts[1],
                "HMAC with a \(c.key.count)-byte key over \(c.message.count) bytes")
        }
    }

    /// Hashing is quick enough for keys and strings: a MiB in well under a second, even in a debug build.
    @Test func megabyteIsQuick() {
        let data = [UInt8](repeating: 0x5a, count: 1 << 20)
        let start = ContinuousClock.now
        _ = SHA256.hash(data)
        #expect(ContinuousClock.now - start < .seconds(2))
    }
}
