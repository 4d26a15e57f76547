import Testing
@testable import Rendering

@Suite struct SixelEncoderTests {
    func gray(_ width: Int, _ height: Int, _ level: (Int, Int) -> Int) -> PixelImage {
        var pixels: [RGB] = []
        for y in 0..<height {
            for x in 0..<width {
                let v = UInt8(level(x, y) & 255)
                pixels.append(RGB(v, v, v))
            }
        }
        return PixelImage(width: width, height: height, pixels: pixels)
    }

    /// A small sixel decoder (registers in percent, `#`, `$`, `-`, `!n`, raster attributes) to
    /// read back what the encoder writes; nil for anything it does not understand.
    func decode(_ bytes: [UInt8]) -> PixelImage? {
        let s = bytes
        guard s.count >= 4, s.prefix(2) == [0x1B, 0x50], s.suffix(2) == [0x1B, 0x5C] else { return nil }
        var i = 2
        while i < s.count, s[i] != UInt8(ascii: "q") { i += 1 }
        i += 1
        func number() -> Int {
            var n = 0
            while i < s.count, (0x30...0x39).contains(s[i]) {
                n = n * 10 + Int(s[i] - 0x30)
                i += 1
            }
            return n
        }
        guard i < s.count, s[i] == UInt8(ascii: "\"") else { return nil }
        i += 1
        var attrs: [Int] = [number()]
        while s[i] == UInt8(ascii: ";") {
            i += 1
            attrs.append(number())
        }
        guard attrs.count == 4, attrs[0] == 1, attrs[1] == 1 else { return nil }
        let (w, h) = (attrs[2], attrs[3])
        var image = PixelImage(width: w, height: h, pixels: Array(repeating: RGB(1, 2, 3), count: w * h))
        var registers: [Int: RGB] = [:]
        var color = RGB.black, x = 0, band = 0
        func put(_ c: UInt8, _ n: Int) {
            let bits = Int(c) - 0x3F
            for _ in 0..<n {
                for r in 0..<6 where bits & (1 << r) != 0 && band * 6 + r < h && x < w {
                    image[x, band * 6 + r] = color
                }
                x += 1
            }
        }
        while i < s.count - 2 {
            let c = s[i]
            switch c {
            case UInt8(ascii: "#"):
                i += 1
                let n = number()
                if i < s.count, s[i] == UInt8(ascii: ";") {
                    var p: [Int] = []
                    while s[i] == UInt8(ascii: ";") {
                        i += 1
                        p.append(number())
                    }
                    guard p.count == 4, p[0] == 2 else { return nil }
                    let v = { (q: Int) in UInt8((q * 255 + 50) / 100) }
                    registers[n] = RGB(v(p[1]), v(p[2]), v(p[3]))
                } else {
                    guard let r = registers[n] else { return nil }
                    color = r
                }
            case UInt8(ascii: "$"):
                x = 0
                i += 1
            case UInt8(ascii: "-"):
                x = 0
                band += 1
                i += 1
            case UInt8(ascii: "!"):
                i += 1
                let n = number()
                put(s[i], n)
                i += 1
            case 0x3F...0x7E:
                put(c, 1)
                i += 1
            default: return nil
            }
        }
        return image
    }

    /// What a decoder shows for `c`: each channel through its nearest percent.
    func roundTrip(_ c: RGB) -> RGB {
        let v = { (x: UInt8) in UInt8((Int(SixelEncoder.percent[Int(x)]) * 255 + 50) / 100) }
        return RGB(v(c.r), v(c.g), v(c.b))
    }

    @Test func exactPaletteForFewColours() {
        let img = gray(256, 3) { x, _ in x }
        let p = SixelPalette.choose(for: img)
        #expect(p.colors == (0..<256).map { RGB(UInt8($0), UInt8($0), UInt8($0)) })
        let colours = [RGB(255, 0, 0), RGB(0, 200, 10), RGB(3, 4, 5), RGB(3, 4, 6), RGB(9, 9, 9)]
        let mixed = PixelImage(width: 50, height: 7, pixels: (0..<350).map { colours[($0 * 7 + $0 / 13) % 5] })
        let q = SixelPalette.choose(for: mixed)
        #expect(Set(q.colors) == Set(colours) && q.colors.count == 5)
        #expect(q.indices(of: mixed).enumerated().allSatisfy { q.colors[Int($1)] == mixed.pixels[$0] })
        #expect(SixelPalette.choose(for: mixed, maxColors: 5) == q)
        #expect(SixelPalette.choose(for: mixed, maxColors: 4).colors.count == 4)
    }

    /// Over the limit: median cut gives `maxColors` entries and each pixel its nearest one.
    @Test func medianCutAndNearestIndices() {
        var pixels: [RGB] = []
        for y in 0..<64 { for x in 0..<64 { pixels.append(RGB(UInt8(x * 4), UInt8(y * 4), 128)) } }
        let img = PixelImage(width: 64, height: 64, pixels: pixels)
        let p = SixelPalette.choose(for: img, maxColors: 64)
        #expect(p.colors.count == 64)
        let idx = p.indices(of: img)
        var total = 0
        for (i, k) in idx.enumerated() {
            let d = img.pixels[i].distance2(p.colors[Int(k)])
            total += d
            // Nearest up to the 4-level cell the lookup table works in.
            #expect(d <= img.pixels[i].distance2(p.colors[p.nearestIndex(img.pixels[i])]) + 200)
        }
        // 64 boxes over a 256×256 square at best 32 on a side: mean squared error 2 · 32²/12 ≈ 171
        #expect(Double(total) / Double(idx.count) < 190)
    }

    @Test func structure() {
        let img = gray(10, 13) { x, y in x * 20 + y }
        let out = SixelEncoder.encode(img)
        let text = String(decoding: out, as: UTF8.self)
        #expect(text.hasPrefix("\u{1B}P0;1;0q\"1;1;10;13#0;2;"))
        #expect(text.hasSuffix("\u{1B}\\"))
        #expect(text.filter { $0 == "-" }.count == 2)  // 3 bands
        #expect(!text.hasSuffix("-\u{1B}\\"))
    }

    /// A flat image is one register a band and one `!` run a band.
    @Test func flatImageIsRunLengthEncoded() {
        let img = PixelImage(width: 300, height: 12, pixels: Array(repeating: RGB(10, 200, 30), count: 3600))
        let text = String(decoding: SixelEncoder.encode(img), as: UTF8.self)
        #expect(text == "\u{1B}P0;1;0q\"1;1;300;12#0;2;4;78;12#0!300~-#0!300~\u{1B}\\")
        // short runs are literal, a short final band uses only its rows
        let small = PixelImage(width: 3, height: 2, pixels: Array(repeating: RGB(255, 255, 255), count: 6))
        #expect(
            String(decoding: SixelEncoder.encode(small), as: UTF8.self)
                == "\u{1B}P0;1;0q\"1;1;3;2#0;2;100;100;100#0BBB\u{1B}\\")
    }

    /// Leading empty columns of a register are one `?` run, trailing ones are left out.
    @Test func spansOnly() {
        var img = PixelImage(width: 20, height: 6, pixels: Array(repeating: .black, count: 120))
        img[12, 0] = RGB(255, 255, 255)
        img[13, 0] = RGB(255, 255, 255)
        let text = String(decoding: SixelEncoder.encode(img), as: UTF8.self)
        #expect(text.hasSuffix("#0!20~$#1!12?@@\u{1B}\\"))  // black paints the whole band first
    }

    @Test func emptyImage() {
        let img = PixelImage(width: 0, height: 0, pixels: [])
        #expect(String(decoding: SixelEncoder.encode(img), as: UTF8.self) == "\u{1B}P0;1;0q\"1;1;0;0\u{1B}\\")
    }

    /// Decoded, every pixel is its colour through percent; 256 grays keep every level within 1.5/255
    /// and as many levels as percent allows.
    @Test func decodesBackToTheImage() throws {
        let ramp = gray(256, 40) { x, y in (x + y * 7) % 256 }
        let decoded = try #require(decode(SixelEncoder.encode(ramp)))
        #expect(decoded.width == 256 && decoded.height == 40)
        #expect(zip(decoded.pixels, ramp.pixels).allSatisfy { $0 == roundTrip($1) && abs(Int($0.r) - Int($1.r)) <= 1 })
        #expect(Set(decoded.pixels).count == 101)
        var rng = SystemRandomNumberGenerator()
        let colours = (0..<200).map { _ in
            RGB(.random(in: 0...255, using: &rng), .random(in: 0...255, using: &rng), .random(in: 0...255, using: &rng))
        }
        let noise = PixelImage(
            width: 97, height: 31, pixels: (0..<(97 * 31)).map { _ in colours.randomElement(using: &rng)! })
        let back = try #require(decode(SixelEncoder.encode(noise)))
        #expect(zip(back.pixels, noise.pixels).allSatisfy { $0 == roundTrip($1) })
        // A palette given by the caller (fewer colours than the image): each pixel shows its index's colour.
        let palette = SixelPalette.choose(for: noise, maxColors: 16)
        let indices = palette.indices(of: noise)
        let drawn = try #require(decode(SixelEncoder.encode(noise, palette: palette)))
        #expect(zip(drawn.pixels, indices).allSatisfy { $0 == roundTrip(palette.colors[Int($1)]) })
    }

    /// Percent levels are those whose decoding is nearest each 8-bit level.
    @Test func percentTable() {
        for v in 0..<256 {
            let got = abs(SixelEncoder.decoded(Int(SixelEncoder.percent[v])) - v)
            #expect((0...100).allSatisfy { abs(SixelEncoder.decoded($0) - v) >= got })
        }
    }
}
