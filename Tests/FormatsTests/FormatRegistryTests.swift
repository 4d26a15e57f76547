import Threads
import Foundation
import Testing
@testable import Formats

/// A format is its driver plus one registry line: registering a driver is all `Dataset.open` needs
/// to find it, and the built-in probes keep their order.
@Suite struct FormatRegistryTests {
    /// A made-up format: a text file `RAMP <height> <width>` holding y·width + x as uint16.
    struct RampFormat: FormatDriver {
        func probe(_ location: DatasetLocation) throws -> (height: Int, width: Int)? {
            guard location.isFile, location.name.hasSuffix(".ramp") else { return nil }
            let words = String(decoding: try location.head(64), as: UTF8.self).split(separator: " ")
            guard words.count == 3, words[0] == "RAMP", let h = Int(words[1]),
                let w = Int(words[2].trimmingCharacters(in: .whitespacesAndNewlines))
            else {
                throw FormatError.invalidMetadata(file: nil, problem: "not a RAMP header")
            }
            return (h, w)
        }

        func open(_ size: (height: Int, width: Int), at location: DatasetLocation) throws -> LazyArray {
            RampArray(location: location.text, height: size.height, width: size.width)
        }

        var daskReader: DaskReader? { DaskReader(name: "ramp", openSource: "return None, 3, None") }
    }

    final class RampArray: LazyArray, Sendable {
        let metadata: ArrayMetadata
        init(location: String, height: Int, width: Int) {
            metadata = ArrayMetadata(
                format: "ramp", location: location, shape: [height, width], dataType: .uint16,
                chunkShape: [height, width], fillValue: .zero, axisNames: ["y", "x"], codecs: [])
        }
        func readChunk(_ index: [Int], cancellation _: JobToken?) throws -> ArrayBuffer? {
            let (h, w) = (metadata.shape[0], metadata.shape[1])
            let values = (0..<(h * w)).map { UInt16($0) }
            return ArrayBuffer(dataType: .uint16, shape: [h, w], bytes: values.withUnsafeBytes { Array($0) })
        }
    }

    @Test func registeringADriverIsEnoughForDatasetOpen() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("registry-\(getpid()).ramp").path
        try "RAMP 3 4\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }

        // Before: no driver knows it (the file's bytes are no format vstack reads).
        #expect(throws: DatasetError.self) { try Dataset.open(path) }
        let before = try? Dataset.open(path)
        #expect(before == nil)

        FormatRegistry.register(RampFormat())
        let array = try Dataset.open(path)
        #expect(array.metadata.format == "ramp" && array.metadata.shape == [3, 4])
        let chunk = try #require(try array.readChunk([0, 0]))
        #expect(chunk.bytes.count == 3 * 4 * 2)
        // Its probe's error is the dataset's, named by its location.
        let broken = path.replacingOccurrences(of: ".ramp", with: "-broken.ramp")
        try "RAMP x\n".write(toFile: broken, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: broken) }
        #expect(throws: DatasetError.self) { try Dataset.open(broken) }
        do { _ = try Dataset.open(broken) } catch let e as DatasetError {
            #expect(e.description == "\(broken): not a RAMP header")
        }
        // Its Python reader joins the Dask script's.
        #expect(FormatRegistry.daskReaders.contains { $0.name == "ramp" })
    }

    @Test func builtInDriversProbeInTheirOrder() {
        let names = FormatRegistry.builtIn.map { "\(type(of: $0))" }
        #expect(
            names == [
                "SyntheticFormat", "HDF5Format", "BigDataViewerFormat", "ImarisFormat", "TiffFormat", "NpyFormat",
                "HDF5Format", "ZarrFormat", "N5Format", "TiffSeriesFormat",
            ])
        // Every Python reader is written once, whatever the drivers that share it.
        let readers = FormatRegistry.daskReaders.map(\.name)
        #expect(Set(readers).count == readers.count)
        #expect(Set(["zarr", "tiff", "tiffseries", "hdf5", "n5"]).isSubset(of: Set(readers)))
    }

    @Test func locationsAreFoundOnce() throws {
        #expect(DatasetLocation("demo:?levels=2").place == .scheme)
        #expect(
            DatasetLocation("https://example.org/a/b.zarr/").place
                == .remote(base: "https://example.org/a/b.zarr", name: "b.zarr"))
        #expect(DatasetLocation("/nonexistent/x.zarr").place == .missing(reason: "no such file or directory"))
        #expect(DatasetLocation(FileManager.default.temporaryDirectory.path).place == .directory)
    }
}
