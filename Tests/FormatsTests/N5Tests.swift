import Foundation
import Testing
import Formats
import TestSupport

/// N5 (tests/fixtures/make_n5_fixtures.py): every dataset tensorstore (and z5py) wrote reads
/// back like the writer's own read, in C order; pyramids open as levels; damaged or refused
/// datasets fail with one line naming the dataset and the block.
@Suite struct N5Tests {
    struct Case: Sendable, CustomStringConvertible {
        let name, path, reference, dtype, writer: String
        let shape, chunks: [Int]
        let axes: String?
        let scales: [Double]?
        let unit: String?
        var description: String { name }
    }

    struct Pyramid: Sendable, CustomStringConvertible {
        let name, path: String
        let levels: [(path: String, shape: [Int], factors: [Double])]
        let axes: String?
        let scales: [Double]?
        var description: String { name }
    }

    struct Failure: Sendable, CustomStringConvertible {
        let kind, path: String
        let fragments: [String]
        let block: [Int]?
        var description: String { kind }
    }

    static var manifest: [String: Any] { Fixtures.json("n5/manifest.json") ?? [:] }

    static func ints(_ v: Any?) -> [Int] { (v as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.intValue } }
    static func doubles(_ v: Any?) -> [Double]? { (v as? [Any])?.compactMap { ($0 as? NSNumber)?.doubleValue } }

    static func cases() -> [Case] {
        (manifest["cases"] as? [[String: Any]] ?? []).map { c in
            Case(
                name: c["name"] as? String ?? "?", path: c["path"] as? String ?? "",
                reference: c["reference"] as? String ?? "",
                dtype: c["dtype"] as? String ?? "", writer: c["writer"] as? String ?? "",
                shape: ints(c["shape"]), chunks: ints(c["chunks"]), axes: c["axes"] as? String,
                scales: doubles(c["scales"]), unit: c["unit"] as? String)
        }
    }

    static func pyramids() -> [Pyramid] {
        (manifest["pyramids"] as? [[String: Any]] ?? []).map { p in
            let levels = (p["levels"] as? [[String: Any]] ?? []).map {
                (path: $0["path"] as? String ?? "", shape: ints($0["shape"]), factors: doubles($0["factors"]) ?? [])
            }
            return Pyramid(
                name: p["name"] as? String ?? "?", path: p["path"] as? String ?? "", levels: levels,
                axes: p["axes"] as? String, scales: doubles(p["scales"]))
        }
    }

    static func failures() -> [Failure] {
        (manifest["errors"] as? [[String: Any]] ?? []).map { e in
            Failure(
                kind: e["kind"] as? String ?? "?", path: e["path"] as? String ?? "",
                fragments: e["fragments"] as? [String] ?? [], block: (e["block"] as? [Any]).map { ints($0) })
        }
    }

    @Test func theFixturesWereGenerated() {
        let cases = Self.cases()
        #expect(
            cases.count >= 70, "expected the N5 fixtures in \(Fixtures.root) (run tests/fixtures/make_n5_fixtures.py)")
        #expect(Set(cases.map(\.dtype)).count == 10)
        #expect(Set(cases.map(\.shape.count)) == [2, 3, 4])
        #expect(Self.pyramids().count >= 3)
        #expect(Self.failures().count >= 10)
    }

    @Test(arguments: cases())
    func readsLikeTheWriter(_ c: Case) throws {
        let array = try Dataset.open(Fixtures.path(c.path))
        let m = array.metadata
        #expect(m.format == "n5")
        #expect(m.shape == c.shape)
        #expect(m.chunkShape == c.chunks)
        #expect(m.dataType.name == c.dtype)
        if let axes = c.axes { #expect(m.axisNames?.joined() == axes) } else { #expect(m.axisNames == nil) }
        if let scales = c.scales {
            #expect(m.scales?.map { $0?.step } == scales)
            #expect(m.scales?.allSatisfy { $0?.unit == c.unit } == true)
        } else {
            #expect(m.scales == nil)
        }
        let whole = try RegionReader.read(array, region: m.shape.map { 0..<$0 })
        let reference = try Fixtures.readNPY(c.reference)
        #expect(whole.shape == reference.shape)
        #expect(whole.dataType == reference.dataType)
        let bad = firstMismatch(whole, reference)
        #expect(bad == nil, "first mismatch at flat index \(bad ?? -1)")
    }

    @Test func aMissingBlockIsAbsent() throws {
        let array = try Dataset.open(Fixtures.path("n5/ts/missing-block.n5"))
        let grid = array.metadata.grid
        let absent = try grid.chunks(overlapping: grid.shape.map { 0..<$0 }).filter { try array.readChunk($0) == nil }
        #expect(absent.count == 1)
    }

    @Test(arguments: pyramids())
    func opensThePyramid(_ p: Pyramid) throws {
        let array = try Dataset.open(Fixtures.path(p.path))
        let levels = array.pyramid
        #expect(levels.map(\.path) == p.levels.map(\.path))
        #expect(levels.map(\.array.metadata.shape) == p.levels.map(\.shape))
        #expect(levels.map(\.factors) == p.levels.map(\.factors))
        #expect(array.metadata.levels == p.levels.map(\.shape))
        if let axes = p.axes { #expect(array.metadata.axisNames?.joined() == axes) }
        if let scales = p.scales { #expect(array.metadata.scales?.map { $0?.step } == scales) }
        for (level, expected) in zip(levels, p.levels) {
            let m = level.array.metadata
            let data = try RegionReader.read(level.array, region: m.shape.map { 0..<$0 })
            let reference = try Fixtures.readNPY(p.path + "/" + expected.path + ".npy")
            #expect(firstMismatch(data, reference) == nil, "level \(expected.path)")
        }
    }

    @Test(arguments: failures())
    func failsWithOneLine(_ e: Failure) throws {
        let location = Fixtures.path(e.path)
        let error: DatasetError? = {
            do {
                let array = try Dataset.open(location)
                guard let block = e.block else { return nil }
                _ = try array.readChunk(block)
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

    /// Hostile sizes in a block header are refused, never trapped on.
    @Test func hostileHeaders() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vstack-n5-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/0", withIntermediateDirectories: true)
        let attrs = #"{"dimensions":[6,5],"blockSize":[4,4],"dataType":"uint16","compression":{"type":"raw"}}"#
        try Data(attrs.utf8).write(to: URL(fileURLWithPath: dir + "/attributes.json"))
        let array = try Dataset.open(dir)
        let headers: [([UInt8], String)] = [
            ([0, 0, 0, 2, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], "does not fit blockSize"),
            ([0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 4], "does not fit blockSize"),
            ([0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 1], "3 dimensions"),
            ([0, 7, 0, 2], "mode 7"),
            ([0], "truncated block header"),
        ]
        for (header, fragment) in headers {
            try Data(header).write(to: URL(fileURLWithPath: dir + "/0/0"))
            #expect(throws: DatasetError.self) { try array.readChunk([0, 0]) }
            do { _ = try array.readChunk([0, 0]) } catch {
                #expect("\(error)".contains(fragment) && "\(error)".contains("block 0/0"), "\(error)")
            }
        }
    }
}
