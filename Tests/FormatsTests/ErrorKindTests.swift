import Foundation
import Testing
@testable import Formats
import Codecs
import Stores

/// Errors keep their kind: a caller tells an I/O failure from corrupt data from a
/// refused key by the error's type and case, not by its message.
@Suite struct ErrorKindTests {
    @Test func chunkErrorsCarryWhatWentWrong() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vstack-kinds-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let zarray = #"{"zarr_format": 2, "shape": [8], "chunks": [4], "dtype": "<u2", "compressor": {"id": "zlib", "level": 1}, "fill_value": 0, "order": "C", "filters": null}"#
        try zarray.write(toFile: dir + "/.zarray", atomically: true, encoding: .utf8)
        try Data([1, 2, 3, 4, 5]).write(to: URL(fileURLWithPath: dir + "/0"))   // not a zlib stream
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
