import ArgumentParser
import Foundation
import Formats
import Rendering

/// Encodes an (H, W, 3) uint8 `.npy` picture as sixel: the reference-decoder test
/// (tests/python/test_sixel.py) and bench/sixel.py read what it writes.
struct SixelBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sixel",
        abstract: "Encode an (H,W,3) uint8 .npy as sixel; print the median encode time and the bytes.")

    @Argument(help: "An (H, W, 3) uint8 .npy file.")
    var input: String

    @Option(name: .shortAndLong, help: "Write the sixel sequence here.")
    var output: String?

    @Option(help: "Encodes to time (the median is reported).")
    var `repeat`: Int = 1

    func run() throws {
        guard let data = FileManager.default.contents(atPath: input) else { throw RuntimeFailure("cannot read \(input)") }
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
        var times: [Double] = []
        var bytes: [UInt8] = []
        for _ in 0..<max(1, self.repeat) {
            let t0 = Clock.now()
            bytes = SixelEncoder.encode(image)
            times.append(Clock.now() - t0)
        }
        times.sort()
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: Data(bytes)) else { throw RuntimeFailure("cannot write \(output)") }
        }
        print("{\"encode_ms\": \(times[times.count / 2] * 1000), \"best_ms\": \(times[0] * 1000), \"runs\": \(times.count), \"bytes\": \(bytes.count)}")
    }
}
