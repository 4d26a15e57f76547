import Foundation
import Testing
@testable import Rendering

@Suite struct PixelEncoderTests {
    @Test func base64MatchesFoundation() {
        for n in [0, 1, 2, 3, 4, 5, 100, 4097] {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(String(decoding: Base64.encode(bytes), as: UTF8.self) == Data(bytes).base64EncodedString())
        }
    }

    @Test func kittyChunksAreAtMost4096AndEndWithM0() {
        let payload = [UInt8](repeating: 0x41, count: 10_000)
        let out = String(decoding: KittyEncoder.chunked(control: "a=T,i=1", payload: payload), as: UTF8.self)
        let chunks = out.components(separatedBy: "\u{1b}\\").filter { !$0.isEmpty }
        #expect(chunks.count == 3)
        #expect(
            chunks[0].hasPrefix("\u{1b}_Ga=T,i=1,m=1;") && chunks[1].hasPrefix("\u{1b}_Gm=1;")
                && chunks[2].hasPrefix("\u{1b}_Gm=0;"))
        #expect(chunks.allSatisfy { $0.split(separator: ";", maxSplits: 1)[1].count <= 4096 })
    }

    @Test func tmuxDoublesEscapes() {
        #expect(
            TmuxPassthrough.wrap(Array("\u{1b}_Gx\u{1b}\\".utf8))
                == Array("\u{1b}Ptmux;\u{1b}\u{1b}_Gx\u{1b}\u{1b}\\\u{1b}\\".utf8))
    }

    @Test func pixelModesFitThePaneInPixels() {
        let kitty = DisplayMode.pixels(.kitty, cell: CellSize(10, 20))
        // 768×1024 into 160×47 cells of 10×20 = 1600×940 pixels: the height binds.
        #expect(kitty.pixelSize(fitting: 768, 1024, columns: 160, rows: 47) == (705, 940))
        // A small region is zoomed in to fill the pane; an anisotropic one stretched by its aspect.
        #expect(kitty.pixelSize(fitting: 40, 30, columns: 30, rows: 10) == (267, 200))
        #expect(kitty.pixelSize(fitting: 100, 20, columns: 100, rows: 50, aspect: 5) == (1000, 1000))
        // Held to 4096 a side whatever the terminal claims.
        let huge = DisplayMode.pixels(.sixel, cell: CellSize(40, 80)).pixelSize(
            fitting: 1000, 1000, columns: 2000, rows: 1000)
        #expect(huge == (4096, 4096))
        #expect(
            DisplayMode(name: "half", cell: .fallback) == .half
                && DisplayMode(name: "iterm", cell: .fallback)?.name == "iterm")
        #expect(
            CellSize(parsing: "10x20") == CellSize(10, 20) && CellSize(parsing: "0x20") == nil
                && CellSize(parsing: "10") == nil)
    }
}
