import Foundation
import ArrayModel
import Stores

/// Identifies one decoded chunk: which array, which multiscale level, which
/// chunk, and optionally which slab of it (a plane decoded on its own).
public struct ChunkKey: Hashable, Sendable, CustomStringConvertible {
    public let array: ArrayIdentity
    public let level: Int
    public let index: [Int]
    /// nil: the whole chunk.
    public let slab: ChunkSlab?

    public init(array: LazyArray, level: Int = 0, index: [Int], slab: ChunkSlab? = nil) {
        self.init(array: ArrayIdentity(array), level: level, index: index, slab: slab)
    }

    public init(array: ArrayIdentity, level: Int, index: [Int], slab: ChunkSlab? = nil) {
        (self.array, self.level, self.index, self.slab) = (array, level, index, slab)
    }

    /// The key of the whole chunk this key is part of.
    public var whole: ChunkKey { slab == nil ? self : ChunkKey(array: array, level: level, index: index, slab: nil) }

    public var description: String {
        let part = slab.map { "@" + $0.prefix.map(String.init).joined(separator: ",") } ?? ""
        return "L\(level)[\(index.map(String.init).joined(separator: ","))]\(part)"
    }
}

/// A request that waited too long for another thread's load of the same chunk.
public struct ChunkWaitTimeout: Error, CustomStringConvertible, Sendable {
    public let key: ChunkKey
    public let seconds: Double
    public var description: String {
        "chunk \(key) is still being read after \(Int(seconds)) s (slow or stuck storage); try again later"
    }
}

/// Who holds a set of pins: each layer of the view pins its own chunks, so
/// the image layer moving on does not unpin what the labels layer or a
/// filter's halo still draws.
public struct PinOwner: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public init(_ name: String) { self.name = name }
    public static let image = PinOwner("image")
    public static let labels = PinOwner("labels")
    public static let filterHalo = PinOwner("filter halo")
    public var description: String { name }
}

/// Why a chunk is loaded: the view shows it now, or it may be shown soon.
public enum LoadPurpose: Sendable {
    case visible
    case prefetch
}

/// A decoded chunk as the cache holds it: data, or "every element is the fill value".
public enum CachedChunk: Sendable {
    case data(ArrayBuffer)
    case fill

    /// Bytes the entry costs against the budget (a fill entry costs its bookkeeping only).
    var cost: Int {
        switch self {
        case .data(let b): b.bytes.count + ChunkCache.entryOverhead
        case .fill: ChunkCache.entryOverhead
        }
    }

    public var buffer: ArrayBuffer? { if case .data(let b) = self { b } else { nil } }
}

/// Decoded chunks, least recently used first out, under a byte budget.
///
/// Invariants (checked by `checkInvariants()` in tests and debug builds):
/// - `usedBytes` is the sum of the costs of the resident entries;
/// - `usedBytes <= budget`, except by entries that are pinned (the current
///   view's chunks are never evicted, not even to make room);
/// - a key is pinned exactly when some owner's pin set holds it;
/// - every key is loaded by at most one thread at a time (single flight):
///   concurrent requests for a chunk being loaded wait for that load.
public final class ChunkCache: @unchecked Sendable {
    public static let entryOverhead = 128

    public let budget: Int
    let lock = NSLock()
    var entries: [ChunkKey: Node] = [:]
    /// Least recently used at `head`, most recent at `tail`.
    var head: Node?
    var tail: Node?
    var usedBytes = 0
    /// Each owner's pins, and how many owners pin each key (a key is pinned while its count is > 0).
    var pinsByOwner: [PinOwner: Set<ChunkKey>] = [:]
    var pinCount: [ChunkKey: Int] = [:]
    var flights: [ChunkKey: Flight] = [:]
    var counters = ChunkCacheStatistics()

    final class Node {
        let key: ChunkKey
        let chunk: CachedChunk
        let cost: Int
        /// Loaded by prefetch and not shown yet (a later visible hit counts as a prefetch hit).
        var prefetched = false
        var prev: Node?
        var next: Node?
        init(_ key: ChunkKey, _ chunk: CachedChunk) { (self.key, self.chunk, self.cost) = (key, chunk, chunk.cost) }
    }

    /// One load in progress; waiters block on `done`.
    final class Flight: @unchecked Sendable {
        let done = NSCondition()
        var result: Result<CachedChunk, Error>?
        /// The load failed because its own loader cancelled it: a waiter loads again instead.
        var abandoned = false
    }

    /// The longest a request waits for another thread's load of the same chunk
    /// before it gives up with `ChunkWaitTimeout` (the load itself goes on).
    public let waitTimeout: Double

    public init(budget: Int, waitTimeout: Double = ChunkCache.defaultWaitTimeout) {
        precondition(budget >= 0)
        self.budget = budget
        self.waitTimeout = waitTimeout
    }

    public static let defaultWaitTimeout = 120.0

    /// The chunk if resident (counts as a use), without loading. With
    /// `shown`, it also counts as a hit of the view (and a prefetch hit).
    public func cached(_ key: ChunkKey, shown: Bool = false) -> CachedChunk? {
        lock.lock(); defer { lock.unlock() }
        guard let node = entries[key] else { return nil }
        touch(node)
        if shown {
            counters.hits += 1
            if node.prefetched {
                node.prefetched = false
                counters.prefetchHits += 1
            }
        }
        return node.chunk
    }

    /// Whether the chunk is resident (does not count as a use).
    public func contains(_ key: ChunkKey) -> Bool {
        lock.lock(); defer { lock.unlock() }
        return entries[key] != nil
    }

    /// Returns the chunk, loading it with `load` when absent. Concurrent calls
    /// for the same key share one load. A load's error is returned to every
    /// waiter and nothing is cached, so a later call tries again.
    public func chunk(_ key: ChunkKey, purpose: LoadPurpose = .visible,
                      load: () throws -> ArrayBuffer?) throws -> CachedChunk {
        lock.lock()
        if let node = entries[key] {
            touch(node)
            counters.hits += 1
            if purpose == .visible && node.prefetched {
                node.prefetched = false
                counters.prefetchHits += 1
            }
            lock.unlock()
            return node.chunk
        }
        if let flight = flights[key] {
            counters.sharedLoads += 1
            lock.unlock()
            // Bounded: a load stuck on storage must not hang every reader of its chunk.
            let deadline = Date(timeIntervalSinceNow: waitTimeout)
            flight.done.lock()
            while flight.result == nil {
                if !flight.done.wait(until: deadline) && flight.result == nil {
                    flight.done.unlock()
                    throw ChunkWaitTimeout(key: key, seconds: waitTimeout)
                }
            }
            let result = flight.result!
            let abandoned = flight.abandoned
            flight.done.unlock()
            // The loader gave up on a chunk this caller still wants: load it here.
            if abandoned { return try chunk(key, purpose: purpose, load: load) }
            return try result.get()
        }
        let flight = Flight()
        flights[key] = flight
        if purpose == .visible { counters.misses += 1 }
        lock.unlock()

        let result: Result<CachedChunk, Error> = Result { try load().map(CachedChunk.data) ?? .fill }
        lock.lock()
        flights[key] = nil
        if case .success(let chunk) = result {
            counters.loads += 1
            counters.bytesDecoded += chunk.buffer?.bytes.count ?? 0
            if purpose == .prefetch { counters.prefetchLoads += 1 }
            insert(key, chunk, prefetched: purpose == .prefetch)
        } else {
            counters.failures += 1
        }
        lock.unlock()
        flight.done.lock()
        flight.result = result
        if case .failure = result { flight.abandoned = FetchCancellation.check() }
        flight.done.broadcast()
        flight.done.unlock()
        return try result.get()
    }

    /// Replaces `owner`'s pins (the chunks its layer of the view needs); other
    /// owners' pins stay. Entries no owner pins are evicted at once when over the budget.
    public func pin(_ keys: Set<ChunkKey>, owner: PinOwner = .image) {
        lock.lock(); defer { lock.unlock() }
        for key in pinsByOwner[owner] ?? [] {
            let n = (pinCount[key] ?? 1) - 1
            pinCount[key] = n > 0 ? n : nil
        }
        pinsByOwner[owner] = keys.isEmpty ? nil : keys
        for key in keys { pinCount[key, default: 0] += 1 }
        evict(toFit: 0)
    }

    /// Whether some owner pins the key (lock held).
    func isPinned(_ key: ChunkKey) -> Bool { pinCount[key] != nil }

    public var statistics: ChunkCacheStatistics {
        lock.lock(); defer { lock.unlock() }
        var s = counters
        s.usedBytes = usedBytes
        s.budget = budget
        s.entries = entries.count
        s.inFlight = flights.count
        return s
    }

    // MARK: - LRU list (lock held)

    private func insert(_ key: ChunkKey, _ chunk: CachedChunk, prefetched: Bool) {
        let node = Node(key, chunk)
        node.prefetched = prefetched
        // An entry that can never fit is handed out but not kept, unless the view needs it.
        let isPinned = isPinned(key)
        if node.cost > budget && !isPinned { return }
        evict(toFit: node.cost)
        // When only pinned entries remain, prefetched chunks are handed out but not kept.
        if usedBytes + node.cost > budget && !isPinned { return }
        entries[key] = node
        append(node)
        usedBytes += node.cost
    }

    /// Evicts least recently used, unpinned entries until `extra` more bytes fit.
    private func evict(toFit extra: Int) {
        var node = head
        while usedBytes + extra > budget, let n = node {
            node = n.next
            if isPinned(n.key) { continue }
            unlink(n)
            entries[n.key] = nil
            usedBytes -= n.cost
            counters.evictions += 1
        }
    }

    private func touch(_ node: Node) {
        guard tail !== node else { return }
        unlink(node)
        append(node)
    }

    private func append(_ node: Node) {
        node.prev = tail
        node.next = nil
        tail?.next = node
        tail = node
        if head == nil { head = node }
    }

    private func unlink(_ node: Node) {
        if let p = node.prev { p.next = node.next } else { head = node.next }
        if let n = node.next { n.prev = node.prev } else { tail = node.prev }
        node.prev = nil
        node.next = nil
    }
}

/// Counters for the status line and `--stats`.
public struct ChunkCacheStatistics: Sendable, Equatable {
    public var hits = 0
    /// Chunks the view needed that were not resident (prefetch loads are not misses).
    public var misses = 0
    /// Requests that waited for another thread's load of the same chunk.
    public var sharedLoads = 0
    public var loads = 0
    /// Loads made for prefetch, and how many of those chunks were later shown.
    public var prefetchLoads = 0
    public var prefetchHits = 0
    public var failures = 0
    public var evictions = 0
    public var bytesDecoded = 0
    public var usedBytes = 0
    public var budget = 0
    public var entries = 0
    public var inFlight = 0
}
