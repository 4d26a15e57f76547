import Testing
@testable import TUI

/// The status line on a narrow terminal keeps the position, the filter and the cache,
/// and lets decoration go first.
@Suite struct StatusLineTests {
    let parts: [(text: String, drop: Int)] = [
        ("/data/lightsheet/embryo.zarr", 0), ("c 1/3", 0), ("*z 100/201", 0), ("fit", 5), ("L2 4x", 4),
        ("cell 2.6 µm", 6), ("gray auto 69..2814", 3), ("half", 6), ("gaussian(2)", 0), ("cache 77 MiB/1.0 GiB", 0),
        ("net 48 ms", 2),
    ]

    @Test func wideTerminalsShowEverything() {
        #expect(StatusLine.fit(parts, columns: 200) == parts.map(\.text).joined(separator: "  "))
    }

    @Test func narrowTerminalsDropDecorationFirst() {
        let line = StatusLine.fit(parts, columns: 80)
        #expect(line.count <= 80, "\(line)")
        #expect(line.hasPrefix("embryo.zarr  c 1/3  *z 100/201"), "\(line)")
        #expect(line.contains("gaussian(2)") && line.contains("cache 77 MiB/1.0 GiB"), "\(line)")
        #expect(!line.contains("half") && !line.contains("cell"), "\(line)")
        // What stays when room allows, in the order the ranks give.
        #expect(line.contains("net 48 ms") || !line.contains("gray"), "\(line)")
    }

    /// Past the ranks, whole fields go (the cache, the name, then from the right): never a cut one.
    @Test func tooNarrowDropsWholeFieldsNeverHalfOfOne() {
        #expect(StatusLine.fit(parts, columns: 20) == "c 1/3  *z 100/201")
        #expect(StatusLine.fit(parts, columns: 50) == "embryo.zarr  c 1/3  *z 100/201  gaussian(2)")
        #expect(StatusLine.fit(parts, columns: 5) == "c 1/3")
        #expect(StatusLine.fit(parts, columns: 4) == "")
    }

    /// A channel's name goes before the limits do (an 80×24 terminal keeps the limits).
    @Test func channelNamesShortenBeforeTheLimitsGo() {
        let demo = [
            StatusLine.Part("demo:", 0), StatusLine.Part("c 1/3 membranes", 0, short: "c 1/3"),
            StatusLine.Part("t 99/199", 0), StatusLine.Part("*z 100/201", 0),
            StatusLine.Part("zoom 1:1.68", 3), StatusLine.Part("gray auto 311..410", 2),
            StatusLine.Part("half", 6), StatusLine.Part("cache 77 MiB/1.0 GiB", 0),
        ]
        #expect(
            StatusLine.fit(demo, columns: 80)
                == "demo:  c 1/3  t 99/199  *z 100/201  gray auto 311..410  cache 77 MiB/1.0 GiB")
        #expect(StatusLine.fit(demo, columns: 200).contains("c 1/3 membranes  t 99/199"))
    }
}
