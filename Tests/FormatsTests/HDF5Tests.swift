import Foundation
import Synchronization
import Testing
@testable import Formats
import TestSupport

/// HDF5 (tests/fixtures/make_hdf5_fixtures.py): every dataset h5py wrote reads back like
/// h5py's own read; axes and scales come from DIMENSION_LABELS, `axes` and element_size_um;
/// files, groups and types vstack does not read fail with one line naming the location.
@Suite struct HDF5Tests {
    struct Case: Sendable, CustomStringConvertible {
        let name, path, reference, dtype: String
        let shape: [Int]
        let chunks: [Int]?
        let axes: String?
        let scales: [Double]?
        let fill: Double
        var description: String { name }
    }

    struct Failure: Sendable, CustomStringConvertible {
        let kind, path: String
        let fragments: [String]
        var description: String { kind }
    }

    static var manifest: [String: Any] { Fixtures.json("hdf5/manifest.json") ?? [:] }
    static func ints(_ v: Any?) -> [Int] { (v as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.intValue } }

    static func parse(_ list: Any?) -> [Case] {
        (list as? [[String: Any]] ?? []).map { c in
            Case(
                name: c["name"] as? String ?? "?", path: c["path"] as? String ?? "",
                reference: c["reference"] as? String ?? "",
                dtype: c["dtype"] as? String ?? "", shape: ints(c["shape"]),
                chunks: c["chunks"] is NSNull || c["chunks"] == nil ? nil : ints(c["chunks"]),
                axes: c["axes"] as? String,
                scales: (c["scales"] as? [Any])?.compactMap { ($0 as? NSNumber)?.doubleValue },
                fill: (c["fill"] as? NSNumber)?.doubleValue ?? 0)
        }
    }

    static func cases() -> [Case] { parse(manifest["cases"]) }
    static func plugins() -> [Case] { parse(manifest["plugins"]) }

    static func failures() -> [Failure] {
        (manifest["errors"] as? [[String: Any]] ?? []).map { e in
            Failure(
                kind: e["kind"] as? String ?? "?", path: e["path"] as? String ?? "",
                fragments: e["fragments"] as? [String] ?? [])
        }
    }

    @Test func theFixturesWereGenerated() {
        let cases = Self.cases()
        #expect(
            cases.count >= 30,
            "expected the HDF5 fixtures in \(Fixtures.root) (run tests/fixtures/make_hdf5_fixtures.py)")
        #expect(Set(cases.map(\.dtype)).count == 11)
        #expect(Set(cases.map(\.shape.count)) == [2, 3, 4])
        #expect(cases.contains { $0.chunks == nil } && cases.contains { $0.chunks != nil })
        #expect(Self.failures().count >= 8)
    }

    func check(_ c: Case, threads: Int = 1) throws {
        let array = try Dataset.open(Fixtures.path(c.path))
        let m = array.metadata
        #expect(m.format == "hdf5")
        #expect(m.shape == c.shape)
        if let chunks = c.chunks { #expect(m.chunkShape == chunks) }
        #expect(m.dataType.name == c.dtype)
        #expect(m.fillValue.doubleValue == c.fill)
        if let axes = c.axes { #expect(m.axisNames?.joined() == axes) } else { #expect(m.axisNames == nil) }
        if let scales = c.scales {
            #expect(m.scales?.map { $0?.step } == scales)
            #expect(m.scales?.allSatisfy { $0?.unit == "micrometer" } == true)
        } else {
            #expect(m.scales == nil)
        }
        let whole = try RegionReader.read(array, region: m.shape.map { 0..<$0 }, threads: threads)
        let reference = try Fixtures.readNPY(c.reference)
        #expect(whole.shape == reference.shape)
        #expect(whole.dataType == reference.dataType)
        let bad = firstMismatch(whole, reference)
        #expect(bad == nil, "first mismatch at flat index \(bad ?? -1)")
    }

    @Test(arguments: cases())
    func readsLikeH5py(_ c: Case) throws { try check(c) }

    /// Four threads reading chunks at once go through the one libhdf5 lock.
    @Test(
        arguments: cases().filter {
            ["gzip-shuffle-u2", "ragged-4d-u2", "contiguous-big-plane-u1", "nested-labels"].contains($0.name)
        })
    func readsWithThreads(_ c: Case) throws {
        for _ in 0..<3 { try check(c, threads: 4) }
    }

    /// Two arrays of one file, read at once from many threads.
    @Test func twoArraysOfOneFileAtOnce() throws {
        let a = try Dataset.open(Fixtures.path("hdf5/several.h5/raw"))
        let b = try Dataset.open(Fixtures.path("hdf5/several.h5/analysis/segmentation/labels"))
        let refA = try Fixtures.readNPY("hdf5/several-raw.npy"), refB = try Fixtures.readNPY("hdf5/nested-labels.npy")
        let results = HitCounter()
        RegionReader.forEach(16, threads: 4) { i in
            let array = i % 2 == 0 ? a : b
            let ok =
                (try? RegionReader.read(array, region: array.metadata.shape.map { 0..<$0 })).map {
                    firstMismatch($0, i % 2 == 0 ? refA : refB) == nil
                } ?? false
            results.record(ok)
        }
        #expect(results.all == 16)
    }

    /// Blosc, zstd and lz4 chunks (hdf5plugin's filters) are decoded by vstack, so they read with
    /// or without HDF5_PLUGIN_PATH; read through libhdf5 alone (no direct chunk reads) and without
    /// the plugins, one line names the filter.
    @Test(arguments: plugins())
    func pluginFilters(_ c: Case) throws {
        try check(c)
        guard ProcessInfo.processInfo.environment["HDF5_PLUGIN_PATH"] == nil else { return }
        let location = Fixtures.path(c.path)
        let file = String(location[..<location.range(of: ".h5/")!.upperBound].dropLast())
        do {
            _ = try HDF5Array(file: file, dataset: "data", location: location, directChunks: false)
            Issue.record("libhdf5 opened it without its filter plugin")
        } catch {
            let message = "\(error)"
            #expect(!message.contains("\n"))
            #expect(
                message.contains("HDF5 filter \(c.name.dropFirst("plugin-".count))")
                    && message.contains("HDF5_PLUGIN_PATH"), "\(message)")
        }
    }

    @Test(arguments: failures())
    func failsWithOneLine(_ e: Failure) throws {
        let location = Fixtures.path(e.path)
        let error: DatasetError? = {
            do {
                let array = try Dataset.open(location)
                let grid = array.metadata.grid
                for index in grid.chunks(overlapping: grid.shape.map { 0..<$0 }) { _ = try array.readChunk(index) }
                return nil
            } catch let error as DatasetError {
                return error
            } catch {
                Issue.record("not a DatasetError: \(error)")
                return nil
            }
        }()
        let message = try #require(error, "\(e.kind) opened and read without an error").description
        #expect(message.hasPrefix(location + ": "), "\(message)")
        #expect(!message.contains("\n"))
        for fragment in e.fragments {
            #expect(message.contains(fragment), "'\(message)' lacks '\(fragment)'")
        }
    }

    @Test func pathsSplitAtTheFile() throws {
        let file = Fixtures.path("hdf5/several.h5")
        #expect(HDF5Library.split(file + "/analysis/segmentation/labels")?.file == file)
        #expect(HDF5Library.split(file + "/analysis/segmentation/labels")?.dataset == "analysis/segmentation/labels")
        #expect(HDF5Library.split(file)?.dataset == "")
        #expect(HDF5Library.split(Fixtures.path("hdf5/nothing.h5/raw")) == nil)
        #expect(HDF5Library.split(Fixtures.path("npy/c-uint16.npy")) == nil)
    }

    /// A file named otherwise is still HDF5 by its signature.
    @Test func detectedBySignature() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vstack-hdf5-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let renamed = dir + "/volume.dat"
        try FileManager.default.copyItem(atPath: Fixtures.path("hdf5/single.h5"), toPath: renamed)
        let array = try Dataset.open(renamed)
        #expect(array.metadata.format == "hdf5" && array.metadata.shape == [6, 25, 27])
    }

    @Test func refusedOverTheNetwork() {
        do {
            _ = try Dataset.open("http://127.0.0.1:9/data/file.h5/raw")
            Issue.record("opened")
        } catch {
            #expect("\(error)".contains("HDF5 files over the network are not supported"), "\(error)")
        }
    }
}

/// Counts successes from many threads.
final class HitCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func record(_ ok: Bool) {
        lock.lock()
        if ok { count += 1 }
        lock.unlock()
    }
    var all: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
}

/// Direct chunk reads (`H5Dread_chunk` under the lock, filters undone outside it) give what
/// libhdf5's own `H5Dread` gives, chunk by chunk, from several threads at once; a chunk never
/// written is absent (the fill value).
@Suite struct HDF5DirectChunkTests {
    static let cases = ["gzip-shuffle-u2", "fill", "big-u2", "big-f8", "ragged-4d-u2", "chunked-int64"]

    @Test(arguments: cases)
    func directEqualsH5Dread(_ name: String) throws {
        let path = Fixtures.path("hdf5/\(name).h5")
        let direct = try HDF5Array(file: path, dataset: "data", location: path)
        let library = try HDF5Array(file: path, dataset: "data", location: path, directChunks: false)
        #expect(direct.direct != nil, "\(name) is read with H5Dread: \(direct.metadata.codecs)")
        #expect(library.direct == nil)
        let m = direct.metadata
        let indices = Array(m.grid.chunks(overlapping: m.shape.map { 0..<$0 }))
        let before = HDF5Array.directChunkCount
        let results = Mutex<[Int: ArrayBuffer?]>([:])
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: indices.count) { i in
            do {
                let chunk = try direct.readChunk(indices[i])
                results.withLock { $0[i] = chunk }
            } catch { failures.withLock { $0.append("\(error)") } }
        }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
        #expect(HDF5Array.directChunkCount > before)
        let got = results.withLock { $0 }
        for (i, index) in indices.enumerated() {
            let want = try #require(try library.readChunk(index))
            let region = m.grid.region(of: index)
            let chunk = got[i] ?? nil
            // Compare inside the dataset (edge chunks are padded as each writer chose).
            let origin = zip(index, m.chunkShape).map { $0 * $1 }
            func inside(_ b: ArrayBuffer) -> [UInt8] {
                var out = ArrayBuffer(dataType: b.dataType, shape: region.map(\.count), filledWith: m.fillValue)
                RegionCopy.copy(b, origin: origin, into: &out, regionOrigin: region.map(\.lowerBound), box: region)
                return out.bytes
            }
            let theirs = inside(want)
            if let chunk {
                #expect(inside(chunk) == theirs, "\(name) chunk \(index)")
            } else {
                // Never written: libhdf5 fills it; vstack reports it absent.
                let fill = ArrayBuffer(dataType: m.dataType, shape: region.map(\.count), filledWith: m.fillValue)
                #expect(theirs == fill.bytes, "\(name) chunk \(index) is absent but not all fill")
            }
        }
    }
}
