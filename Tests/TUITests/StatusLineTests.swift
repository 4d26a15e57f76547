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
        #expect(ViewerApp.fit(parts, columns: 200) == parts.map(\.text).joined(separator: "  "))
    }

    @Test func narrowTerminalsDropDecorationFirst() {
        let line = ViewerApp.fit(parts, columns: 80)
        #expect(line.count <= 80, "\(line)")
        #expect(line.hasPrefix("embryo.zarr  c 1/3  *z 100/201"), "\(line)")
        #expect(line.contains("gaussian(2)") && line.contains("cache 77 MiB/1.0 GiB"), "\(line)")
        #expect(!line.contains("half") && !line.contains("cell"), "\(line)")
        // What stays when room allows, in the order the ranks give.
        #expect(line.contains("net 48 ms") || !line.contains("gray"), "\(line)")
    }

    @Test func tooNarrowKeepsTheEssentialsEvenIfTheyOverflow() {
        let line = ViewerApp.fit(parts, columns: 20)
        #expect(line == "embryo.zarr  c 1/3  *z 100/201  gaussian(2)  cache 77 MiB/1.0 GiB")
    }
}
