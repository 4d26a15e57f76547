import Foundation
import Testing
import Formats
import TestSupport
@testable import Rendering

/// Reference data written by tests/fixtures/make_render_fixtures.py (NumPy, matplotlib).
enum RenderFixtures {
    static var root: String { Fixtures.root }
    nonisolated(unsafe) static let manifest: [String: Any] = Fixtures.json("render/manifest.json") ?? [:]
    static func npy(_ relative: String) throws -> ArrayBuffer { try Fixtures.readNPY(relative) }

    /// A fixture as a float image; arrays that are not 2-D become one row.
    static func image(_ relative: String) throws -> FloatImage {
        let b = try npy(relative)
        return FloatImage(
            b.shape.count == 2 ? b : ArrayBuffer(dataType: b.dataType, shape: [1, b.count], bytes: b.bytes))
    }

    struct DownsampleCase: Sendable, CustomStringConvertible {
        let name: String, source: String, width: Int, height: Int, references: [String: String]
        var description: String { name }
    }

    static func downsampleCases() -> [DownsampleCase] {
        (manifest["downsample"] as? [[String: Any]] ?? []).map { c in
            DownsampleCase(
                name: c["name"] as? String ?? "?", source: c["source"] as? String ?? "",
                width: (c["width"] as? NSNumber)?.intValue ?? 0, height: (c["height"] as? NSNumber)?.intValue ?? 0,
                references: [
                    "mean": c["mean"] as? String ?? "", "max": c["max"] as? String ?? "",
                    "nearest": c["nearest"] as? String ?? "",
                ])
        }
    }

    struct PercentileCase: Sendable, CustomStringConvertible {
        let name: String, source: String, low: Double?, high: Double?
        var description: String { name }
    }

    static func percentileCases() -> [PercentileCase] {
        (manifest["percentiles"] as? [[String: Any]] ?? []).map { c in
            PercentileCase(
                name: c["name"] as? String ?? "?", source: c["source"] as? String ?? "",
                low: (c["low"] as? NSNumber)?.doubleValue, high: (c["high"] as? NSNumber)?.doubleValue)
        }
    }
}

@Suite struct DownsampleTests {
    @Test func fixturesExist() {
        #expect(RenderFixtures.downsampleCases().count >= 6, "run make test to generate \(RenderFixtures.root)/render")
        #expect(RenderFixtures.percentileCases().count >= 3)
    }

    /// mean/max/nearest equal NumPy's block reductions (exact for max and nearest, 1e-4 relative for mean).
    @Test(arguments: RenderFixtures.downsampleCases())
    func matchesNumPy(_ c: RenderFixtures.DownsampleCase) throws {
        let source = try RenderFixtures.image(c.source)
        for mode in DownsampleMode.allCases {
            let reference = try RenderFixtures.image(c.references[mode.rawValue]!)
            let out = Downsampler.resample(source, width: c.width, height: c.height, mode: mode)
            #expect(out.width == reference.width && out.height == reference.height)
            var bad = 0
            for (a, b) in zip(out.pixels, reference.pixels) {
                if a.isNaN && b.isNaN { continue }
                let ok = a == b || (mode == .mean && abs(a - b) <= 1e-4 * max(1, abs(b)))
                if !ok { bad += 1 }
            }
            #expect(bad == 0, "\(mode): \(bad) of \(out.pixels.count) pixels differ")
        }
    }
}

@Suite struct ContrastTests {
    /// Auto contrast equals numpy.percentile (0.5, 99.5) of the finite values.
    @Test(arguments: RenderFixtures.percentileCases())
    func autoContrastMatchesNumPy(_ c: RenderFixtures.PercentileCase) throws {
        let values = try RenderFixtures.image(c.source).pixels
        let auto = Contrast.auto(values)
        if let low = c.low, let high = c.high {
            #expect(abs(auto.low - low) <= 1e-6 * max(1, abs(low)), "low \(auto.low) vs \(low)")
            #expect(abs(auto.high - high) <= 1e-6 * max(1, abs(high)), "high \(auto.high) vs \(high)")
        } else {
            #expect(auto.low == 0 && auto.high == 1)
        }
    }

    @Test func constantWindowDoesNotDivideByZero() {
        let c = Contrast(low: 5, high: 5)
        #expect(c.normalize(5) == 0)
        #expect(c.normalize(6) == 1)
        #expect(c.normalize(4) == 0)
        #expect(c.normalize(.nan).isNaN)
    }

    @Test func selectFindsOrderStatistics() {
        var rng = SystemRandomNumberGenerator()
        for n in [1, 2, 3, 10, 101, 1000] {
            let values = (0..<n).map { _ in Float(Int.random(in: -50...50, using: &rng)) }
            let sorted = values.sorted()
            for k in Set([0, n / 2, n - 1]) {
                var copy = values
                #expect(Percentile.select(&copy, k) == sorted[k])
            }
        }
    }
}

@Suite struct ColorMapTests {
    @Test func everyNamedMapExists() {
        for name in [
            "gray", "viridis", "magma", "inferno", "plasma", "turbo", "green", "magenta", "cyan", "red", "blue",
            "yellow", "fire",
        ] {
            #expect(ColorMap.named(name)?.table.count == 256, "\(name)")
        }
        #expect(ColorMap.named("jet") == nil)
    }

    /// The committed tables equal matplotlib's, within 1/255.
    @Test func tablesMatchMatplotlib() throws {
        let maps = RenderFixtures.manifest["colormaps"] as? [String: String] ?? [:]
        #expect(maps.count >= 6)
        for (name, path) in maps {
            let ref = try RenderFixtures.npy(path)
            let table = try #require(ColorMap.named(name)).table
            #expect(ref.shape == [256, 3])
            for i in 0..<256 {
                let c = table[i]
                for (k, v) in [c.r, c.g, c.b].enumerated() {
                    #expect(abs(Int(v) - Int(ref.double(at: 3 * i + k))) <= 1, "\(name)[\(i)]")
                }
            }
        }
    }

    @Test func singleColorRampsEndAtTheirColor() {
        #expect(ColorMap.named("green")!.table[255] == RGB(0, 255, 0))
        #expect(ColorMap.named("magenta")!.table[0] == RGB(0, 0, 0))
        #expect(ColorMap.gray.color(.nan) == ColorMap.nanColor)
    }
}

@Suite struct PaletteTests {
    /// nearest256 is the true nearest among the cube and the gray ramp.
    @Test func nearest256IsNearest() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            let c = RGB(
                UInt8.random(in: 0...255, using: &rng), UInt8.random(in: 0...255, using: &rng),
                UInt8.random(in: 0...255, using: &rng))
            let got = Int(Palette.nearest256(c))
            let best = (16..<256).map { c.distance2(Palette.xterm256[$0]) }.min()!
            #expect(c.distance2(Palette.xterm256[got]) == best, "\(c) → \(got)")
        }
    }

    @Test func detection() throws {
        #expect(
            try ColorDepth.detect(
                option: nil, environment: ["COLORTERM": "truecolor", "TERM": "xterm"], terminfoColors: 8) == .truecolor)
        #expect(
            try ColorDepth.detect(
                option: nil, environment: ["VSTACK_COLOR": "truecolor", "TERM": "xterm-256color"], terminfoColors: 256)
                == .truecolor)
        #expect(
            try ColorDepth.detect(option: "16", environment: ["COLORTERM": "truecolor"], terminfoColors: 256)
                == .palette16)
        #expect(
            try ColorDepth.detect(option: nil, environment: ["TERM": "xterm-256color"], terminfoColors: 256)
                == .palette256)
        #expect(
            try ColorDepth.detect(option: nil, environment: ["TERM": "dumb"], terminfoColors: nil) == ColorDepth.none)
        #expect(try ColorDepth.detect(option: nil, environment: [:], terminfoColors: nil) == .palette256)
        #expect(throws: RenderError.self) {
            try ColorDepth.detect(option: "lots", environment: [:], terminfoColors: nil)
        }
    }
}

@Suite struct FrameTests {
    /// The diff API sends only changed cells, and applying it to the old screen gives the new frame.
    @Test func diffSendsOnlyChangedCells() {
        var a = Frame(columns: 10, rows: 3)
        for i in a.cells.indices { a.cells[i] = Cell("\u{2580}", fg: .index(UInt8(16 + i)), bg: .index(16)) }
        var b = a
        b[3, 1] = Cell("\u{2580}", fg: .rgb(RGB(1, 2, 3)), bg: .index(17))
        let full = ANSIWriter.diff(from: nil, to: b)
        let delta = ANSIWriter.diff(from: a, to: b)
        #expect(delta.contains("\u{1B}[2;4H"))
        #expect(delta.unicodeScalars.filter { $0 == "\u{2580}" }.count == 1)
        #expect(delta.utf8.count < full.utf8.count / 10)
        #expect(ANSIWriter.diff(from: b, to: b).isEmpty)
    }

    @Test func pixelSizeKeepsSquarePixels() {
        // 768×1024 data in 160×48 cells: height-bound, 96 half-block pixels tall.
        let s = GlyphMode.half.pixelSize(fitting: 768, 1024, columns: 160, rows: 48)
        #expect(s.height == 96 && s.width == 72)
        #expect(GlyphMode.braille.pixelSize(fitting: 100, 100, columns: 10, rows: 10) == (20, 20))
        #expect(GlyphMode.half.pixelSize(fitting: 5, 5, columns: 1, rows: 1) == (1, 1))  // a square in a 1×2 cell: one half-pixel
        #expect(GlyphMode.half.pixelSize(fitting: 5, 10, columns: 1, rows: 1) == (1, 2))
    }
}
