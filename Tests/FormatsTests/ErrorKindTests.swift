import Foundation
import Testing
@testable import Formats
import Codecs
import Stores
import TestSupport

/// Errors keep their kind: a caller tells an I/O failure from corrupt data from a
/// refused key by the error's type and case, not by its message.
@Suite struct ErrorKindTests {
    @Test func chunkErrorsCarryWhatWentWrong() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vstack-kinds-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let zarray =
            #"{"zarr_format": 2, "shape": [8], "chunks": [4], "dtype": "<u2", "compressor": {"id": "zlib", "level": 1}, "fill_value": 0, "order": "C", "filters": null}"#
        try zarray.write(toFile: dir + "/.zarray", atomically: true, encoding: .utf8)
        try Data([1, 2, 3, 4, 5]).write(to: URL(fileURLWithPath: dir + "/0"))  // not a zlib stream
        #expect(mkfifo(dir + "/1", 0o600) == 0)
        let array = try ZarrV2Array(store: LocalStore(root: dir))

        let corrupt = #expect(throws: DatasetError.self) { try array.readChunk([0]) }
        #expect(corrupt?.underlying is CodecError, "a corrupt chunk is a codec error")
        #expect(corrupt?.description.hasPrefix("\(dir): chunk 0: zlib") == true)

        let fifo = #expect(throws: DatasetError.self) { try array.readChunk([1]) }
        #expect(fifo?.underlying as? StoreError == .notRegularFile(path: dir + "/1", kind: "a FIFO"))
        #expect(fifo?.description == "\(dir): chunk 1: \(dir)/1 is a FIFO, not a regular file")

        #expect(throws: StoreError.keyOutsideStore(key: "../x")) { try LocalStore(root: dir).get("../x") }
    }
}

/// The same kinds on arrays zarr-python wrote (the slab fixtures: raw, blosc and
/// gzip chunks, one zstd v3 array), read whole and a slab at a time, with one
/// chunk removed, overwritten, or replaced by a FIFO, and the metadata broken.
@Suite struct ErrorKindsOnFixturesTests {
    static let fixtures = [
        "slab/v2-raw-uint16.zarr", "slab/v2-blosc-lz4-shuffle.zarr", "slab/v2-gzip-stack.zarr",
        "slab/v3-bytes-zstd-stack.zarr",
    ]

    enum Kind: Equatable { case missing, corrupt, io, metadata, other }

    /// What a caller learns from an error by its type and case alone.
    static func kind(_ error: any Error) -> Kind {
        let inner = (error as? DatasetError)?.underlying ?? error
        switch inner {
        case is CodecError: return .corrupt
        case is StoreError: return .io
        case let e as FormatError:
            switch e {
            case .corruptData: return .corrupt
            case .missing: return .missing
            case .invalidMetadata, .malformedJSON: return .metadata
            default: return .other
            }
        default: return .other
        }
    }

    @Test(arguments: fixtures)
    func aCallerTellsTheKindsApartByCase(_ fixture: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vstack-kinds-\(UUID().uuidString)")
            .path
        try FileManager.default.copyItem(atPath: Fixtures.path(fixture), toPath: dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let v3 = fixture.hasPrefix("slab/v3")
        let chunk = dir + (v3 ? "/c/0/0/0" : "/0.0.0")
        let array = try #require(try Dataset.open(dir) as? SlabReadable)
        #expect(array.readsSlabs)
        let slab = ChunkSlab(prefix: [1])
        func errors() -> [any Error] {
            [
                #expect(throws: (any Error).self) { try array.readChunk([0, 0, 0]) },
                #expect(throws: (any Error).self) { try array.readChunkSlab([0, 0, 0], slab: slab) },
            ].compactMap { $0 }
        }

        // A missing chunk is no error: every element is the fill value.
        try FileManager.default.removeItem(atPath: chunk)
        #expect(try array.readChunk([0, 0, 0]) == nil)
        #expect(try array.readChunkSlab([0, 0, 0], slab: slab) == nil)

        // A corrupt chunk: a codec's error, or the format's corruptData for raw bytes.
        try Data(repeating: 0xA5, count: 1000).write(to: URL(fileURLWithPath: chunk))
        for error in errors() {
            #expect(Self.kind(error) == .corrupt, "\(error)")
            #expect("\(error)".hasPrefix("\(dir): chunk "))
        }

        // An I/O failure: the store's error, whole or in ranges.
        try FileManager.default.removeItem(atPath: chunk)
        #expect(mkfifo(chunk, 0o600) == 0)
        for error in errors() {
            #expect(
                (error as? DatasetError)?.underlying as? StoreError == .notRegularFile(path: chunk, kind: "a FIFO"),
                "\(error)")
        }

        // Metadata that is wrong, not JSON, or not there.
        let metadata = dir + (v3 ? "/zarr.json" : "/.zarray")
        let text = try String(contentsOfFile: metadata, encoding: .utf8)
        try text.replacingOccurrences(of: "\"shape\"", with: "\"shape_\"").write(
            toFile: metadata, atomically: true, encoding: .utf8)
        let wrong = #expect(throws: DatasetError.self) { try Dataset.open(dir) }
        #expect(wrong.map(Self.kind) == .metadata, "\(String(describing: wrong))")
        guard case let .invalidMetadata(file, _)? = wrong?.underlying as? FormatError else {
            Issue.record("not invalidMetadata")
            return
        }
        #expect(file == (v3 ? "zarr.json" : ".zarray"))

        try "{\"shape\": [".write(toFile: metadata, atomically: true, encoding: .utf8)
        let malformed = #expect(throws: DatasetError.self) { try Dataset.open(dir) }
        #expect(malformed.map(Self.kind) == .metadata)
        guard case .malformedJSON? = malformed?.underlying as? FormatError else {
            Issue.record("not malformedJSON")
            return
        }

        try FileManager.default.removeItem(atPath: metadata)
        if v3 {
            try FileManager.default.removeItem(atPath: dir + "/c")
        } else {
            try FileManager.default.removeItem(atPath: chunk)
        }
        let missing = #expect(throws: DatasetError.self) { try Dataset.open(dir) }
        #expect(missing.map(Self.kind) == .missing, "\(String(describing: missing))")
    }
}
