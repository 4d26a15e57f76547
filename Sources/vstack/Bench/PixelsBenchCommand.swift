import ArgumentParser
import Foundation
import Formats
import Rendering

/// Encodes an (H, W, 3) uint8 `.npy` picture through `PixelOutput` (kitty, sixel or iTerm2),
/// the path `render` and the viewer send pictures through: bench/pixels.py and the reference-decoder
/// tests (tests/python/test_sixel.py) read what it writes.
struct PixelsBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pixels",
        abstract: "Encode an (H,W,3) uint8 .npy as kitty, sixel or iTerm2; print the median encode time and the bytes.")

    @Option(help: "kitty, sixel or iterm.")
    var mode: String = "sixel"

    @Option(help: "kitty only: png (f=100, what vstack sends) or rgb (f=24,o=z zlib RGB, the earlier format).")
    var kittyFormat: String = "png"

    @OptionGroup var options: PixelsBenchOptions

    func run() throws {
        guard let p = PixelProtocol(rawValue: mode) else {
            throw ValidationError("--mode must be kitty, sixel or iterm, not \(mode)")
        }
        guard let f = KittyEncoder.Format(rawValue: kittyFormat) else {
            throw ValidationError("--kitty-format must be png or rgb")
        }
        try options.run(p, kittyFormat: f)
    }
}

/// `vstack bench sixel`: `bench pixels --mode sixel` under its earlier name.
struct SixelBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sixel",
        abstract: "Encode an (H,W,3) uint8 .npy as sixel (the same as bench pixels --mode sixel).",
        shouldDisplay: false)

    @OptionGroup var options: PixelsBenchOptions

    func run() throws { try options.run(.sixel) }
}

struct PixelsBenchOptions: ParsableArguments {
    @Argument(help: "An (H, W, 3) uint8 .npy file.")
    var input: String

    @Option(name: .shortAndLong, help: "Write the escape sequences here.")
    var output: String?

    @Option(help: "Encodes to time (the median is reported).")
    var `repeat`: Int = 1

    func run(_ pixelProtocol: PixelProtocol, kittyFormat: KittyEncoder.Format = .png) throws {
        guard let data = FileManager.default.contents(atPath: input) else {
            throw RuntimeFailure("cannot read \(input)")
        }
        let buffer = try NPY.decode([UInt8](data))
        guard buffer.dataType == .uint8, buffer.shape.count == 3, buffer.shape[2] == 3 else {
            throw RuntimeFailure("\(input): expected an (H, W, 3) uint8 array, got \(buffer.shape) \(buffer.dataType)")
        }
        let (height, width) = (buffer.shape[0], buffer.shape[1])
        var pixels = [RGB](repeating: .black, count: width * height)
        buffer.bytes.withUnsafeBufferPointer { b in
            for i in pixels.indices { pixels[i] = RGB(b[3 * i], b[3 * i + 1], b[3 * i + 2]) }
        }
        let image = PixelImage(width: width, height: height, pixels: pixels)
        // What `render --mode M` sends for a frame of this picture at 1:1 (the cell size only sets the layout).
        guard
            let encoder = PixelOutput(
                mode: .pixels(pixelProtocol, cell: CellSize(8, 16)), movesCursor: true, kittyFormat: kittyFormat)
        else {
            throw RuntimeFailure("no pixel output for \(pixelProtocol)")
        }
        var times: [Double] = []
        var bytes: [UInt8] = []
        for _ in 0..<max(1, self.repeat) {
            let t0 = Clock.now()
            bytes = try encoder.encode(image)
            times.append(Clock.now() - t0)
        }
        times.sort()
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: Data(bytes)) else {
                throw RuntimeFailure("cannot write \(output)")
            }
        }
        let format = pixelProtocol == .kitty ? ", \"kitty_format\": \"\(kittyFormat.rawValue)\"" : ""
        print(
            "{\"mode\": \"\(pixelProtocol.rawValue)\"\(format), \"encode_ms\": \(times[times.count / 2] * 1000), \"best_ms\": \(times[0] * 1000), \"runs\": \(times.count), \"bytes\": \(bytes.count)}"
        )
    }
}
