import Foundation
import ArrayModel
import LRUModule
import Stores
import Synchronization
import Threads

/// Identifies one decoded chunk: which array, which multiscale level, which
/// chunk, and optionally which slab of it (a plane decoded on its own).
public struct ChunkKey: Hashable, Sendable, CustomStringConvertible {
    public let array: ArrayIdentity
    public let level: Int
    public let index: [Int]
    /// nil: the whole chunk.
    public let slab: ChunkSlab?
    /// The hash of the fields, computed once: a key is hashed many times on its way from the
    /// plan through the scheduler's and the cache's maps (8 times a key, before).
    private let hashValue_: Int

    public init(array: LazyArray, level: Int = 0, index: [Int], slab: ChunkSlab? = nil) {
        self.init(array: ArrayIdentity(array), level: level, index: index, slab: slab)
    }

    public init(array: ArrayIdentity, level: Int, index: [Int], slab: ChunkSlab? = nil) {
        (self.array, self.level, self.index, self.slab) = (array, level, index, slab)
        var hasher = Hasher()
        hasher.combine(array)
        hasher.combine(level)
        hasher.combine(index)
        hasher.combine(slab)
        hashValue_ = hasher.finalize()
    }

    public static func == (a: ChunkKey, b: ChunkKey) -> Bool {
        a.hashValue_ == b.hashValue_ && a.level == b.level && a.index == b.index && a.slab == b.slab
            && a.array == b.array
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(hashValue_) }

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
/// filter's halo still draws. The same owners plan the jobs on the pool.
public typealias PinOwner = JobOwner

extension JobOwner {
    public static let image = JobOwner("image")
    public static let labels = JobOwner("labels")
    /// The chunks a filter reads around the view (its halo), pinned while the filter shows.
    public static let filterHalo = JobOwner("filter halo")
    /// Filter stages (the filtered planes of the views shown).
    public static let filter = JobOwner("filter")
    /// Huge-plane reductions (the views too big to assemble).
    public static let reduction = JobOwner("reduction")
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
/// - the entries cost at most the budget, except by entries that are pinned (the
///   current view's chunks are never evicted, not even to make room);
/// - a key is pinned exactly when some owner's pin set holds it;
/// - every key is loaded by at most one thread at a time (single flight):
///   concurrent requests for a chunk being loaded wait for that load.
///
/// Thread safety: all state is in `state`, one `Mutex`; a load runs outside it, and
/// threads waiting for another's load wait on that load's `Flight`.
public final class ChunkCache: Sendable {
    public static let entryOverhead = 128

    /// The whole budget (`--cache`): chunks get what is not set aside for other caches (`setAside`).
    public let budget: Int

    struct Entry {
        let chunk: CachedChunk
        /// Loaded by prefetch and not shown yet (a later visible hit counts as a prefetch hit).
        var prefetched: Bool
    }

    struct State {
        var entries: ByteBudgetLRU<ChunkKey, Entry>
        /// Each owner's pins, and how many owners pin each key (a key is pinned while its count is > 0).
        var pinsByOwner: [PinOwner: Set<ChunkKey>] = [:]
        var pinCount: [ChunkKey: Int] = [:]
        var flights: [ChunkKey: Flight] = [:]
        var counters = ChunkCacheStatistics()

        func isPinned(_ key: ChunkKey) -> Bool { pinCount[key] != nil }

        /// Evicts least recently used, unpinned entries until `extra` more bytes fit.
        mutating func evict(toFit extra: Int) {
            let pins = pinCount
            counters.evictions += entries.evict(toFit: extra) { pins[$0] != nil }.count
        }

        mutating func insert(_ key: ChunkKey, _ chunk: CachedChunk, prefetched: Bool) {
            let budget = entries.budget
            // An entry that can never fit is handed out but not kept, unless the view needs it.
            let pinned = isPinned(key)
            if chunk.cost > budget && !pinned { return }
            evict(toFit: chunk.cost)
            // When only pinned entries remain, prefetched chunks are handed out but not kept.
            if entries.totalCost + chunk.cost > budget && !pinned { return }
            let pins = pinCount
            entries.insert(Entry(chunk: chunk, prefetched: prefetched), cost: chunk.cost, for: key) { pins[$0] != nil }
        }

        /// A use of a resident entry: it becomes the most recent; `shown` counts a hit of the view.
        mutating func use(_ key: ChunkKey, shown: Bool) -> CachedChunk? {
            guard let entry = entries.value(for: key) else { return nil }
            if shown {
                counters.hits += 1
                if entry.prefetched {
                    entries.modify(key) { $0.prefetched = false }
                    counters.prefetchHits += 1
                }
            }
            return entry.chunk
        }
    }

    let state: Mutex<State>

    /// One load in progress: its result once it ends, and whether the load failed because its own
    /// loader cancelled it (a waiter then loads again instead). Waiters wait on it.
    final class Flight: Sendable {
        let done = ConditionLock<(result: Result<CachedChunk, Error>, abandoned: Bool)?>(nil)
    }

    /// The longest a request waits for another thread's load of the same chunk
    /// before it gives up with `ChunkWaitTimeout` (the load itself goes on).
    public let waitTimeout: Double

    public init(budget: Int, waitTimeout: Double = ChunkCache.defaultWaitTimeout) {
        precondition(budget >= 0)
        self.budget = budget
        self.waitTimeout = waitTimeout
        state = Mutex(State(entries: ByteBudgetLRU(budget: budget)))
    }

    public static let defaultWaitTimeout = 120.0

    /// The chunk if resident (counts as a use), without loading. With
    /// `shown`, it also counts as a hit of the view (and a prefetch hit).
    public func cached(_ key: ChunkKey, shown: Bool = false) -> CachedChunk? {
        state.withLock { $0.use(key, shown: shown) }
    }

    /// Whether the chunk is resident (does not count as a use).
    public func contains(_ key: ChunkKey) -> Bool {
        state.withLock { $0.entries.contains(key) }
    }

    private enum Step {
        case hit(CachedChunk)
        case wait(Flight)
        case load(Flight)
    }

    /// Returns the chunk, loading it with `load` when absent. Concurrent calls
    /// for the same key share one load. A load's error is returned to every
    /// waiter and nothing is cached, so a later call tries again.
    /// - Parameter cancellation: the token `load` reads under, if any: a load that fails once it
    ///   is cancelled was given up by its loader, and a waiter then loads the chunk itself.
    public func chunk(
        _ key: ChunkKey, purpose: LoadPurpose = .visible, cancellation: JobToken? = nil,
        load: () throws -> ArrayBuffer?
    ) throws -> CachedChunk {
        let step = state.withLock { s -> Step in
            if let entry = s.entries.value(for: key) {
                s.counters.hits += 1
                if purpose == .visible && entry.prefetched {
                    s.entries.modify(key) { $0.prefetched = false }
                    s.counters.prefetchHits += 1
                }
                return .hit(entry.chunk)
            }
            if let flight = s.flights[key] {
                s.counters.sharedLoads += 1
                return .wait(flight)
            }
            let flight = Flight()
            s.flights[key] = flight
            if purpose == .visible { s.counters.misses += 1 }
            return .load(flight)
        }
        switch step {
        case .hit(let chunk):
            return chunk
        case .wait(let flight):
            // Bounded: a load stuck on storage must not hang every reader of its chunk.
            guard let (result, abandoned) = flight.done.wait(until: { $0 != nil }, timeout: waitTimeout, then: { $0! })
            else { throw ChunkWaitTimeout(key: key, seconds: waitTimeout) }
            // The loader gave up on a chunk this caller still wants: load it here.
            if abandoned { return try chunk(key, purpose: purpose, cancellation: cancellation, load: load) }
            return try result.get()
        case .load(let flight):
            let result: Result<CachedChunk, Error> = Result { try load().map(CachedChunk.data) ?? .fill }
            state.withLock { s in
                s.flights[key] = nil
                if case .success(let chunk) = result {
                    s.counters.loads += 1
                    s.counters.bytesDecoded += chunk.buffer?.bytes.count ?? 0
                    if purpose == .prefetch { s.counters.prefetchLoads += 1 }
                    s.insert(key, chunk, prefetched: purpose == .prefetch)
                } else {
                    s.counters.failures += 1
                }
            }
            var abandoned = false
            if case .failure = result { abandoned = cancellation?.isCancelled ?? false }
            flight.done.withLock(wakes: true) { $0 = (result, abandoned) }
            return try result.get()
        }
    }

    /// Replaces `owner`'s pins (the chunks its layer of the view needs); other
    /// owners' pins stay. Entries no owner pins are evicted at once when over the budget.
    public func pin(_ keys: Set<ChunkKey>, owner: PinOwner = .image) {
        state.withLock { s in
            for key in s.pinsByOwner[owner] ?? [] {
                let n = (s.pinCount[key] ?? 1) - 1
                s.pinCount[key] = n > 0 ? n : nil
            }
            s.pinsByOwner[owner] = keys.isEmpty ? nil : keys
            for key in keys { s.pinCount[key, default: 0] += 1 }
            s.evict(toFit: 0)
        }
    }

    /// Takes up to `bytes` of the budget away from the chunks, for a cache of derived data (filtered
    /// planes, shard indexes) that so stays under the same `--cache`; returns what was set aside.
    /// The chunks keep at least half the budget.
    public func setAside(_ bytes: Int) -> Int {
        state.withLock { s in
            let granted = max(0, min(bytes, s.entries.budget - budget / 2))
            let pins = s.pinCount
            s.counters.evictions += s.entries.setBudget(s.entries.budget - granted) { pins[$0] != nil }.count
            s.counters.setAside += granted
            return granted
        }
    }

    /// Gives back what `setAside` took, for a derived result that lives only a while (a figure
    /// being written): the chunks may use it again.
    public func giveBack(_ bytes: Int) {
        state.withLock { s in
            let returned = max(0, min(bytes, s.counters.setAside))
            _ = s.entries.setBudget(s.entries.budget + returned) { _ in true }
            s.counters.setAside -= returned
        }
    }

    /// Whether some owner pins the key.
    func isPinned(_ key: ChunkKey) -> Bool { state.withLock { $0.isPinned(key) } }

    public var statistics: ChunkCacheStatistics {
        state.withLock { s in
            var c = s.counters
            c.usedBytes = s.entries.totalCost
            c.budget = budget
            c.entries = s.entries.count
            c.inFlight = s.flights.count
            return c
        }
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
    /// Bytes of the budget given to other caches (filtered planes, shard indexes).
    public var setAside = 0
    public var bytesDecoded = 0
    public var usedBytes = 0
    public var budget = 0
    public var entries = 0
    public var inFlight = 0
}
