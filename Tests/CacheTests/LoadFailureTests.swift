import Threads
import Foundation
import Testing
@testable import Cache
@testable import Formats
import Stores

/// A failed load stays an error value until it is shown: the loader keeps what the reader threw,
/// and `ErrorLine` renders it as the one line the viewer shows.
@Suite struct LoadFailureTests {
    /// Two 4×4 chunks side by side: the left one reads, the right one fails with a store's error.
    final class HalfBroken: LazyArray, Sendable {
        let metadata = ArrayMetadata(
            format: "test", location: "broken:", shape: [4, 8], dataType: .uint8, chunkShape: [4, 4],
            fillValue: .zero, axisNames: ["y", "x"], codecs: [])
        func readChunk(_ index: [Int], cancellation _: JobToken?) throws -> ArrayBuffer? {
            guard index == [0, 0] else {
                throw DatasetError(
                    "broken:", at: "chunk 0.1", StoreError.cannotRead(path: "/b/0.1", reason: "Input/output error"))
            }
            return ArrayBuffer(dataType: .uint8, shape: [4, 4], bytes: [UInt8](repeating: 7, count: 16))
        }
    }

    @Test func aFailedLoadKeepsItsError() throws {
        let array = HalfBroken()
        let loader = PlaneLoader(array: array, cache: ChunkCache(budget: 1 << 20), workers: 1)
        defer { loader.stop() }
        let view = try PlaneSelection(array.metadata)
        let plan = loader.show([view])
        #expect(loader.waitUntilLoaded(plan.visible, timeout: 10))
        let broken = try #require(plan.visible.first { loader.failure($0) != nil })
        let error = try #require(loader.failureError(broken) as? DatasetError)
        #expect(error.underlying as? StoreError == .cannotRead(path: "/b/0.1", reason: "Input/output error"))
        #expect(loader.failure(broken) == "broken:: chunk 0.1: cannot read /b/0.1: Input/output error")
        let partial = try loader.residentPlane(view)
        #expect(partial.failed.map(\.message) == ["broken:: chunk 0.1: cannot read /b/0.1: Input/output error"])
        #expect(partial.failed.first?.columns == 4..<8)
    }
}
