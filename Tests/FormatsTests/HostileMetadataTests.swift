import Foundation
import Testing
@testable import Formats
import Stores

/// Sizes from files are checked, not trusted: overflow, limits and JSON numbers
/// that are not sizes become errors naming the field (issue 20).
@Suite struct HostileMetadataTests {
    /// The error `body` throws, as the CLI prints it (nil when it does not throw).
    func message(_ body: () throws -> Any?) -> String? {
        do { _ = try body() } catch { return "\(error)" }
        return nil
    }

    @Test func checkedSizeReportsOverflow() throws {
        #expect(CheckedSize.product([1 << 31, 1 << 31, 4]) == nil)  // 2^64
        #expect(CheckedSize.product([3, 4, 5]) == 60)
        #expect(CheckedSize.product([]) == 1)
        #expect(CheckedSize.product([Int.max, 2]) == nil)
        #expect(CheckedSize.product([-1, 2]) == nil)
        #expect(CheckedSize.add(Int.max, 1) == nil)
        #expect(
            message {
                try CheckedSize.multiply(Int.max, 3, "'chunks' [1]")
            } == "'chunks' [1] is too large (overflows a 64-bit size)")
    }

    @Test func layoutLimitsNameTheField() {
        #expect(
            message {
                try CheckedSize.checkLayout(shape: [Int.max, 2], chunkShape: [1, 1], elementSize: 2, file: ".zarray")
            } == ".zarray: 'shape' [9223372036854775807, 2] is too large (the array would take more than 2^62 bytes)")
        #expect(
            message {
                try CheckedSize.checkLayout(
                    shape: [10, 10], chunkShape: [65536, 65536], elementSize: 1, file: ".zarray")
            } == ".zarray: 'chunks' [65536, 65536] is too large (a chunk may take at most 2 GiB decoded)")
        #expect(throws: FormatError.self) {
            try CheckedSize.checkLayout(
                shape: [Int](repeating: 1, count: 33), chunkShape: [Int](repeating: 1, count: 33), elementSize: 1,
                file: "zarr.json")
        }
        // Empty arrays are valid; the largest chunk allowed is exactly 2 GiB.
        #expect(throws: Never.self) {
            try CheckedSize.checkLayout(shape: [0, 5], chunkShape: [1, 5], elementSize: 8, file: ".zarray")
        }
        #expect(throws: Never.self) {
            try CheckedSize.checkLayout(
                shape: [1 << 20, 1 << 20], chunkShape: [1 << 15, 1 << 15], elementSize: 2, file: ".zarray")
        }
    }

    @Test func clampingConversionNeverTraps() {
        #expect(Int(clamping: Double.nan) == 0)
        #expect(Int(clamping: Double.infinity) == .max)
        #expect(Int(clamping: -Double.infinity) == .min)
        #expect(Int(clamping: 1e300) == .max)
        #expect(Int(clamping: 9.223372036854775807e18) == .max)
        #expect(Int(clamping: -2.5) == -2)
        #expect(Int(clamping: Float(3.9)) == 3)
    }

    @Test func chunkGridSaturatesInsteadOfTrapping() {
        let grid = ChunkGrid(shape: [Int.max, Int.max], chunkShape: [1, 1])
        #expect(grid.gridShape == [Int.max, Int.max])
        #expect(grid.chunkCount == .max)
        #expect(ChunkGrid(shape: [Int.max], chunkShape: [Int.max - 1]).gridShape == [2])
        #expect(ChunkGrid(shape: [5], chunkShape: [Int.max]).region(of: [0]) == [0..<5])
    }

    @Test(arguments: ["5.5", "-3", "18446744073709551616", "9223372036854775808", "1e300", "\"7\""])
    func sizesThatAreNotIntegersAreRefused(_ literal: String) throws {
        let meta = try JSONMetadata(file: ".zarray", bytes: Array("{\"shape\": [\(literal), 2]}".utf8))
        #expect(throws: FormatError.self) { try meta.intArray("shape") }
        do { _ = try meta.intArray("shape") } catch {
            #expect("\(error)".hasPrefix(".zarray: 'shape' must be a list of non-negative integers below 2^63 (found "))
        }
        let exact = try JSONMetadata(file: ".zarray", bytes: Array("{\"shape\": [9223372036854775807, 0]}".utf8))
        #expect(try exact.intArray("shape") == [Int.max, 0])
    }

    @Test func deepOrHugeJSONIsRefusedBeforeParsing() {
        let deep = Array(String(repeating: "[", count: 65).utf8) + Array(String(repeating: "]", count: 65).utf8)
        #expect(
            message {
                try JSONMetadata(file: "zarr.json", bytes: deep)
            } == "malformed JSON in zarr.json: nested deeper than 64 levels")
        // Brackets inside strings do not count.
        let quoted = Array("{\"a\": \"\(String(repeating: "[", count: 100))\\\"\"}".utf8)
        #expect(throws: Never.self) { try JSONMetadata(file: "zarr.json", bytes: quoted) }
    }

    @Test func storeRefusesSpecialAndOversizedFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vstack-hostile-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(mkfifo(dir + "/fifo", 0o600) == 0)
        FileManager.default.createFile(atPath: dir + "/big", contents: nil)
        #expect(truncate(dir + "/big", 1 << 36) == 0)  // sparse: 64 GiB claimed, nothing stored
        let store = LocalStore(root: dir)
        #expect(message { try store.get("fifo") } == "\(dir)/fifo is a FIFO, not a regular file")
        #expect(
            message { try store.get("big", atMost: 1024, limitName: "the 1 KiB limit") }
                == "\(dir)/big is 68719476736 bytes, more than the 1 KiB limit; it is not read")
        #expect(throws: StoreError.self) { try store.get("big", range: .slice(offset: Int.max - 1, length: 16)) }
        #expect(try store.get("big", range: .slice(offset: 1 << 35, length: 4)) == [0, 0, 0, 0])
    }
}
