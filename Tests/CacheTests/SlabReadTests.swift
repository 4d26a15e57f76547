import Threads
import Foundation
import Synchronization
import Testing
import Stores
import TestSupport
@testable import Formats
@testable import Cache

/// One plane of a big-chunked array written by zarr-python or tensorstore
/// (tests/fixtures/make_slab_fixtures.py), with the writer's own read of it.
struct SlabCase: Sendable, CustomStringConvertible {
    let name: String, path: String, reference: String
    let position: [Int], chunk: [Int], prefix: [Int]
    let chunkBytes: Int, storedBytes: Int
    var description: String { "\(name)@\(position)" }

    static func all() -> [SlabCase] {
        (Fixtures.jsonList("slab/manifest.json") ?? []).map { c in
            let ints = { (k: String) in (c[k] as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.intValue } }
            return SlabCase(
                name: c["name"] as? String ?? "?", path: c["path"] as? String ?? "",
                reference: c["reference"] as? String ?? "", position: ints("position"), chunk: ints("chunk"),
                prefix: ints("prefix"), chunkBytes: (c["chunk_bytes"] as? NSNumber)?.intValue ?? 0,
                storedBytes: (c["stored_bytes"] as? NSNumber)?.intValue ?? 0)
        }
    }

    /// The plane as a selection: the case's position on the leading axes, all of y and x.
    func selection(_ meta: ArrayMetadata) throws -> PlaneSelection {
        let names = AxisNames.resolve(meta)
        let at = position.enumerated().map { "\(names[$0.offset])=\($0.element)" }.joined(separator: ",")
        return try PlaneSelection(meta, at: at, display: "\(meta.rank - 2),\(meta.rank - 1)")
    }
}

extension AxisNames {
    static func resolve(_ meta: ArrayMetadata) -> [String] { (try? resolve(meta, override: nil)) ?? [] }
}

@Suite struct SlabReadTests {
    @Test func fixturesExist() {
        #expect(SlabCase.all().count >= 30, "run make test to generate \(Fixtures.root)/slab")
    }

    /// The slab equals the writer's plane and the whole chunk's plane, and
    /// reading it fetched and decoded less than the chunk.
    @Test(arguments: SlabCase.all())
    func slabEqualsWritersPlane(_ c: SlabCase) throws {
        let array = try #require(try Dataset.open(Fixtures.path(c.path)) as? SlabReadable)
        #expect(array.readsSlabs)
        let expected = try Fixtures.readNPY(c.reference)
        let before = array.bytesRead
        let slab = try #require(try array.readChunkSlab(c.chunk, slab: ChunkSlab(prefix: c.prefix)))
        let fetched = array.bytesRead - before
        #expect(slab.shape == Array(repeating: 1, count: c.prefix.count) + expected.shape)
        #expect(slab.bytes == expected.bytes)
        #expect(slab.bytes.count < c.chunkBytes)
        #expect(fetched > 0 && fetched < c.storedBytes, "fetched \(fetched) of \(c.storedBytes) stored bytes")

        let whole = try #require(try array.readChunk(c.chunk))
        let range = ChunkSlab(prefix: c.prefix).elements(chunkShape: array.metadata.chunkShape)
        let size = array.metadata.dataType.size
        #expect(Array(whole.bytes[(range.lowerBound * size)..<(range.upperBound * size)]) == slab.bytes)
    }

    /// Through the cache a plane of a big chunk decodes only the plane; below
    /// the size threshold the whole chunk is decoded (and serves every plane).
    @Test(arguments: SlabCase.all().filter { $0.position.last! % 2 == 0 })
    func planeReadThroughCacheDecodesOnlyThePlane(_ c: SlabCase) throws {
        let array = try Dataset.open(Fixtures.path(c.path))
        let expected = try Fixtures.readNPY(c.reference)
        let view = try c.selection(array.metadata)

        let cache = ChunkCache(budget: 64 << 20)
        let partial = CachedChunks(cache: cache, array: array, slabThreshold: 0)
        let plane = try view.readPlane(array, chunks: partial.source)
        #expect(plane.bytes == expected.bytes)
        #expect(cache.statistics.bytesDecoded == expected.bytes.count)

        let wholeCache = ChunkCache(budget: 64 << 20)
        let whole = CachedChunks(cache: wholeCache, array: array, slabThreshold: .max)
        #expect(try view.readPlane(array, chunks: whole.source).bytes == expected.bytes)
        #expect(wholeCache.statistics.bytesDecoded == c.chunkBytes)
        // Once the whole chunk is resident, planes come from it, not from new slabs.
        _ = try view.readPlane(array, chunks: CachedChunks(cache: wholeCache, array: array, slabThreshold: 0).source)
        #expect(wholeCache.statistics.loads == 1)
    }

    /// A truncated stored chunk is an error naming the chunk, not a crash or a wrong plane.
    @Test func truncatedChunkIsAnError() throws {
        let c = try #require(SlabCase.all().first { $0.name == "v2-blosc-zstd-bitshuffle" && $0.prefix == [23] })
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vstack-slab-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.copyItem(atPath: Fixtures.path(c.path), toPath: dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let chunkFile = dir + "/0.0.0"
        let data = try #require(FileManager.default.contents(atPath: chunkFile))
        try data.prefix(data.count / 3).write(to: URL(fileURLWithPath: chunkFile))
        let array = try #require(try Dataset.open(dir) as? SlabReadable)
        let error = #expect(throws: DatasetError.self) {
            _ = try array.readChunkSlab([0, 0, 0], slab: ChunkSlab(prefix: [23]))
        }
        guard case .corruptData? = error?.underlying as? FormatError else {
            Issue.record("not corrupt data: \(String(describing: error))")
            return
        }
        #expect(error?.problem.hasPrefix("chunk 0.0.0: truncated") == true, "\(String(describing: error))")
    }
}

/// A store that counts the reads of each key: proof that one chunk is read once.
final class CountingStore: Store, @unchecked Sendable {
    let inner: LocalStore
    let reads = Mutex<[String: Int]>([:])
    init(_ inner: LocalStore) { self.inner = inner }
    var location: String { inner.location }
    func get(_ key: String, cancellation: JobToken?) throws -> [UInt8]? {
        reads.withLock { $0[key, default: 0] += 1 }
        return try inner.get(key, cancellation: cancellation)
    }
    func get(_ key: String, range: ByteRange, cancellation: JobToken?) throws -> [UInt8]? {
        reads.withLock { $0[key, default: 0] += 1 }
        return try inner.get(key, range: range, cancellation: cancellation)
    }
    func contains(_ key: String) throws -> Bool { try inner.contains(key) }
}

@Suite struct SingleFlightStoreTests {
    /// 16 threads asking for one 8 MiB chunk through the cache: the store is read once.
    @Test func concurrentRequestsReadTheStoreOnce() throws {
        let c = try #require(SlabCase.all().first { $0.name == "v2-blosc-big" })
        let store = CountingStore(LocalStore(root: Fixtures.path(c.path)))
        let array = try ZarrV2Array(store: store)
        let cache = ChunkCache(budget: 64 << 20)
        let chunks = CachedChunks(cache: cache, array: array)
        let ok = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            if let b = try? chunks.chunk([0, 0, 0]), b.bytes.count == c.chunkBytes { ok.add(1, ordering: .relaxed) }
        }
        #expect(ok.load(ordering: .relaxed) == 16)
        #expect(store.reads.withLock { $0["0.0.0"] } == 1)
        #expect(cache.statistics.loads == 1)
    }
}
