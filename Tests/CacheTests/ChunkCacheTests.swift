import Threads
import Foundation
import Synchronization
import Testing
@testable import Formats
@testable import Cache
import Stores

/// A stand-in array so keys have an identity; its chunks come from the loaders in the tests.
final class KeyOwner: LazyArray {
    let metadata = ArrayMetadata(
        format: "test", location: "test:", shape: [1000], dataType: .uint8, chunkShape: [1],
        fillValue: .zero, axisNames: nil, codecs: [])
    func readChunk(_ index: [Int], cancellation _: JobToken?) throws -> ArrayBuffer? { nil }
}

/// An array at a location of its own.
final class PlacedArray: LazyArray {
    let metadata: ArrayMetadata
    init(_ location: String) {
        metadata = ArrayMetadata(
            format: "test", location: location, shape: [10], dataType: .uint8, chunkShape: [1],
            fillValue: .zero, axisNames: nil, codecs: [])
    }
    func readChunk(_ index: [Int], cancellation _: JobToken?) throws -> ArrayBuffer? { nil }
}

@Suite struct ChunkWaitTests {
    /// A reader of a chunk another thread is stuck loading gives up after the wait timeout
    /// with an error naming the chunk; the stuck load still lands in the cache when it ends.
    @Test func waitersOfAStuckLoadTimeOut() throws {
        let cache = ChunkCache(budget: 1 << 20, waitTimeout: 0.2)
        let key = ChunkKey(array: PlacedArray("stuck.zarr"), index: [0])
        let gate = Gate()
        let loader = Thread {
            _ = try? cache.chunk(key) {
                gate.wait()
                return payload(0, size: 10)
            }
        }
        loader.start()
        #expect(eventually { cache.statistics.inFlight == 1 })
        let t0 = Date()
        #expect(throws: ChunkWaitTimeout.self) { try cache.chunk(key) { payload(0, size: 10) } }
        #expect(Date().timeIntervalSince(t0) < 5)
        gate.open()
        #expect(eventually { cache.contains(key) })
    }

    /// A load that fails after its job's token was cancelled is abandoned, not failed: nothing
    /// is cached, and a reader waiting on its flight loads the chunk itself instead of seeing
    /// the cancellation.
    @Test func waitersOfAnAbandonedLoadLoadItThemselves() throws {
        let cache = ChunkCache(budget: 1 << 20)
        let key = ChunkKey(array: PlacedArray("remote.zarr"), index: [0])
        let (gate, token) = (Gate(), JobToken())
        let loaderFailed = Mutex(false)
        let loader = Thread {
            do {
                _ = try cache.chunk(key, cancellation: token) {
                    gate.wait()
                    throw StoreError.cancelled(url: "0")
                }
            } catch { loaderFailed.withLock { $0 = true } }
        }
        loader.start()
        #expect(eventually { cache.statistics.inFlight == 1 })
        token.cancel()
        let waiter = Result<CachedChunk, Error>.init {
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { gate.open() }
            return try cache.chunk(key) { payload(7, size: 10) }
        }
        #expect(eventually { loaderFailed.withLock { $0 } })
        #expect(try waiter.get().buffer?.bytes == payload(7, size: 10).bytes)
        #expect(cache.statistics.sharedLoads == 1, "the waiter waited on the loader's flight")
    }

    /// A load that fails with its token not cancelled fails its waiters too.
    @Test func waitersOfAFailedLoadSeeTheFailure() throws {
        let cache = ChunkCache(budget: 1 << 20)
        let key = ChunkKey(array: PlacedArray("remote.zarr"), index: [0])
        let (gate, token) = (Gate(), JobToken())
        let loader = Thread {
            _ = try? cache.chunk(key, cancellation: token) {
                gate.wait()
                throw StoreError.cancelled(url: "0")
            }
        }
        loader.start()
        #expect(eventually { cache.statistics.inFlight == 1 })
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { gate.open() }
        #expect(throws: StoreError.cancelled(url: "0")) { try cache.chunk(key) { payload(7, size: 10) } }
        #expect(!cache.contains(key))
    }
}

@Suite struct ArrayIdentityTests {
    /// Label images are opened and closed while the viewer runs: an array created after
    /// another was freed (often at the same address) never gets its keys.
    @Test func keysOfFreedArraysAreNeverReused() {
        var keys = Set<ChunkKey>()
        for i in 0..<200 {
            let array = PlacedArray("labels-\(i).zarr")
            keys.insert(ChunkKey(array: array, index: [0]))
        }
        #expect(keys.count == 200)
    }

    /// The same place opened twice is the same data: its chunks are shared.
    @Test func theSameLocationSharesChunks() {
        #expect(
            ChunkKey(array: PlacedArray("a.zarr"), index: [3]) == ChunkKey(array: PlacedArray("a.zarr"), index: [3]))
        #expect(
            ChunkKey(array: PlacedArray("a.zarr"), index: [3]) != ChunkKey(array: PlacedArray("b.zarr"), index: [3]))
    }
}

/// A buffer of `size` bytes whose every byte names the key it was loaded for.
func payload(_ id: Int, size: Int) -> ArrayBuffer {
    ArrayBuffer(dataType: .uint8, shape: [size], bytes: [UInt8](repeating: UInt8(id % 251), count: size))
}

struct LoadFailed: Error {}

@Suite struct ChunkCacheTests {
    let owner = KeyOwner()
    func key(_ i: Int) -> ChunkKey { ChunkKey(array: owner, index: [i]) }
    let entry = 1000 + ChunkCache.entryOverhead

    @Test func evictsLeastRecentlyUsed() throws {
        let cache = ChunkCache(budget: 3 * entry)
        for i in 0..<3 { _ = try cache.chunk(key(i)) { payload(i, size: 1000) } }
        _ = cache.cached(key(0))  // 0 is now the most recent; 1 is the oldest
        _ = try cache.chunk(key(3)) { payload(3, size: 1000) }
        #expect(cache.contains(key(0)) && !cache.contains(key(1)) && cache.contains(key(2)) && cache.contains(key(3)))
        #expect(cache.statistics.evictions == 1)
        #expect(cache.statistics.usedBytes == 3 * entry)
        try cache.checkInvariants()
    }

    @Test func pinnedChunksAreNeverEvicted() throws {
        let cache = ChunkCache(budget: 2 * entry)
        _ = try cache.chunk(key(0)) { payload(0, size: 1000) }
        _ = try cache.chunk(key(1)) { payload(1, size: 1000) }
        cache.pin([key(0), key(1)])
        // Prefetch pressure: a third chunk cannot push out the view's chunks, so it is not kept.
        _ = try cache.chunk(key(2)) { payload(2, size: 1000) }
        #expect(cache.contains(key(0)) && cache.contains(key(1)) && !cache.contains(key(2)))
        try cache.checkInvariants()
        // Once the view moves on, the old chunks go first.
        cache.pin([key(2)])
        _ = try cache.chunk(key(2)) { payload(2, size: 1000) }
        #expect(cache.contains(key(2)))
        try cache.checkInvariants()
    }

    @Test func eachOwnerKeepsItsOwnPins() throws {
        let cache = ChunkCache(budget: 2 * entry)
        for i in 0..<2 { _ = try cache.chunk(key(i)) { payload(i, size: 1000) } }
        cache.pin([key(0)], owner: .image)
        cache.pin([key(0), key(1)], owner: .labels)
        // The image layer moves on; key 0 and 1 are still the labels layer's.
        cache.pin([key(2)], owner: .image)
        _ = try cache.chunk(key(2)) { payload(2, size: 1000) }
        #expect(cache.contains(key(0)) && cache.contains(key(1)), "the labels layer's chunks stay pinned")
        try cache.checkInvariants()
        // Once the labels layer lets go too, key 0 and 1 are ordinary LRU entries again.
        cache.pin([], owner: .labels)
        #expect(!cache.contains(key(0)) || !cache.contains(key(1)), "over the budget, an unpinned entry goes")
        #expect(cache.contains(key(2)))
        try cache.checkInvariants()
    }

    @Test func oversizedChunksAreReturnedButNotKept() throws {
        let cache = ChunkCache(budget: 500)
        let got = try cache.chunk(key(0)) { payload(7, size: 1000) }
        #expect(got.buffer?.bytes.count == 1000)
        #expect(!cache.contains(key(0)))
        cache.pin([key(0)])
        _ = try cache.chunk(key(0)) { payload(7, size: 1000) }
        #expect(cache.contains(key(0)), "a pinned chunk is kept even over the budget")
        try cache.checkInvariants()
    }

    @Test func absentChunksAreCachedAsFill() throws {
        let cache = ChunkCache(budget: 10 * entry)
        var loads = 0
        for _ in 0..<3 {
            let c = try cache.chunk(key(5)) {
                loads += 1
                return nil
            }
            if case .fill = c {} else { Issue.record("expected fill") }
        }
        #expect(loads == 1)
        #expect(cache.statistics.usedBytes == ChunkCache.entryOverhead)
    }

    @Test func failedLoadsAreNotCachedAndRetry() throws {
        let cache = ChunkCache(budget: 10 * entry)
        #expect(throws: LoadFailed.self) { _ = try cache.chunk(key(1)) { throw LoadFailed() } }
        #expect(!cache.contains(key(1)))
        _ = try cache.chunk(key(1)) { payload(1, size: 10) }
        #expect(cache.contains(key(1)))
        #expect(cache.statistics.failures == 1)
        try cache.checkInvariants()
    }

    /// N concurrent requests for one chunk cause one load, and every caller gets its data.
    @Test func singleFlight() throws {
        let cache = ChunkCache(budget: 100 * entry)
        let loads = Atomic<Int>(0)
        let correct = Atomic<Int>(0)
        let k = key(42)
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            let c = try? cache.chunk(k) {
                loads.add(1, ordering: .relaxed)
                Thread.sleep(forTimeInterval: 0.05)
                return payload(42, size: 1000)
            }
            if c?.buffer?.bytes.allSatisfy({ $0 == 42 }) == true { correct.add(1, ordering: .relaxed) }
        }
        #expect(loads.load(ordering: .relaxed) == 1)
        #expect(correct.load(ordering: .relaxed) == 16)
        let s = cache.statistics
        #expect(s.loads == 1 && s.misses == 1 && s.hits + s.sharedLoads == 15)
    }

    /// Random access from several threads: the budget and list invariants hold
    /// after every operation, no key is ever loading twice at once, every
    /// caller gets the data of the key it asked for, and errors do not leak.
    @Test func concurrentStress() throws {
        let budget = 40 * 4096
        let cache = ChunkCache(budget: budget)
        let keys = 128
        let loading = Mutex([Int](repeating: 0, count: keys))
        let overlaps = Atomic<Int>(0), wrong = Atomic<Int>(0), broken = Mutex<String?>(nil)
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            var rng = SplitMix64(seed: UInt64(worker) + 1)
            for step in 0..<3000 {
                let id = Int(rng.next() % UInt64(keys))
                let size = 512 + (id * 37) % 4096
                if step % 500 == 0 {
                    var pins = Set<ChunkKey>()
                    for _ in 0..<3 { pins.insert(key(Int(rng.next() % UInt64(keys)))) }
                    cache.pin(pins)
                }
                let c = try? cache.chunk(key(id)) {
                    if loading.withLock({ l in
                        l[id] += 1
                        return l[id]
                    }) != 1 {
                        overlaps.add(1, ordering: .relaxed)
                    }
                    defer { loading.withLock { $0[id] -= 1 } }
                    if id % 61 == 7 && rng.next() % 4 == 0 { throw LoadFailed() }
                    return payload(id, size: size)
                }
                if let b = c?.buffer, b.bytes.count != size || b.bytes.first != UInt8(id % 251) {
                    wrong.add(1, ordering: .relaxed)
                }
                if step % 10 == 0 {
                    do { try cache.checkInvariants() } catch { broken.withLock { $0 = $0 ?? "\(error)" } }
                }
            }
        }
        #expect(overlaps.load(ordering: .relaxed) == 0)
        #expect(wrong.load(ordering: .relaxed) == 0)
        #expect(broken.withLock { $0 } == nil)
        try cache.checkInvariants()
        let s = cache.statistics
        #expect(s.usedBytes <= budget + 3 * (4096 + ChunkCache.entryOverhead))
        #expect(s.evictions > 0 && s.hits > 0)
    }
}
