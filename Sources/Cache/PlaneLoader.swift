import Foundation
import ArrayModel
import Synchronization

/// The terminal-free core of the viewer: given the view, it pins the chunks
/// on screen, queues their loads (centre of the view first) and the prefetch
/// around them, and tells whoever draws when data arrives. The TUI and
/// `vstack bench scrub` drive the same object.
public final class PlaneLoader: @unchecked Sendable {
    public let chunks: CachedChunks
    public let scheduler: ChunkScheduler
    public var policy: PrefetchPolicy
    public var cache: ChunkCache { chunks.cache }
    public var array: LazyArray { chunks.array }

    private let arrivals = NSCondition()
    private var previousIndices: [Int]?
    public private(set) var motion: PrefetchPolicy.Motion?

    /// What one `show` asked for.
    public struct Plan: Sendable {
        /// Keys the view draws, centre first (pinned until the next `show`).
        public var visible: [ChunkKey]
        /// Keys queued or kept for what may be shown next, in order.
        public var prefetch: [ChunkKey]
        /// Bytes the prefetch keys take.
        public var prefetchBytes: Int
    }

    /// - Parameters:
    ///   - workers: loads at once; default one per core, or the source's preference when it waits on storage.
    ///   - onLoad: called on a worker thread after each load, e.g. to redraw.
    public init(array: LazyArray, cache: ChunkCache, policy: PrefetchPolicy = PrefetchPolicy(), workers: Int? = nil,
                slabThreshold: Int = CachedChunks.defaultSlabThreshold, recordsTrace: Bool = false,
                onLoad: (@Sendable (ChunkKey, Error?) -> Void)? = nil) {
        chunks = CachedChunks(cache: cache, array: array, slabThreshold: slabThreshold)
        self.policy = policy
        let count = workers ?? array.preferredConcurrency ?? ProcessInfo.processInfo.activeProcessorCount
        let arrivals = arrivals
        let failuresBox = FailureLog()
        self.failureLog = failuresBox
        scheduler = ChunkScheduler(cache: cache, workers: count, recordsTrace: recordsTrace) { key, error in
            if let error { failuresBox.record(key, error) }
            arrivals.lock(); arrivals.broadcast(); arrivals.unlock()
            onLoad?(key, error)
        }
    }

    private let failureLog: FailureLog

    deinit { scheduler.stop() }

    /// Axes that can be scrubbed and prefetched along: not displayed, not the
    /// channel axis; z first (the axis `[`/`]` moves), then the others from the innermost out.
    public static func scrubAxes(_ view: PlaneSelection, channelAxis: Int?) -> [Int] {
        let free = view.indices.indices.reversed().filter { $0 != view.rowAxis && $0 != view.columnAxis && $0 != channelAxis }
        guard let z = view.axisNames.firstIndex(of: "z"), free.contains(z) else { return free }
        return [z] + free.filter { $0 != z }
    }

    /// Shows `views` (one per channel of a composite, else one): pins what
    /// they draw and makes their loads and prefetch the scheduler's queue.
    /// - Parameter channelAxis: the channel axis, if any. It is never scrubbed;
    ///   when one channel is shown, the other channels are prefetched.
    @discardableResult
    public func show(_ views: [PlaneSelection], channelAxis: Int? = nil) -> Plan {
        precondition(!views.isEmpty)
        let meta = array.metadata
        let grid = meta.grid
        trackMotion(views[0])
        var requests: [ChunkScheduler.Request] = []
        func request(_ key: ChunkKey, _ tier: ChunkScheduler.Tier, _ rank: Double) {
            let chunks = chunks
            requests.append(ChunkScheduler.Request(key: key, tier: tier, rank: rank) { try chunks.load(key) })
        }
        func keys(_ view: PlaneSelection) -> [(ChunkKey, Double)] {
            let region = view.region
            let (cy, cx) = (Double(view.rows.lowerBound + view.rows.upperBound) / 2,
                            Double(view.columns.lowerBound + view.columns.upperBound) / 2)
            return grid.chunks(overlapping: region).map { index in
                let box = grid.overlap(of: index, with: region)
                let (r, c) = (box[view.rowAxis], box[view.columnAxis])
                let dy = (Double(r.lowerBound + r.upperBound) / 2 - cy) / Double(max(1, view.rows.count))
                let dx = (Double(c.lowerBound + c.upperBound) / 2 - cx) / Double(max(1, view.columns.count))
                return (chunks.key(index, box: box), (dy * dy + dx * dx).squareRoot())
            }
        }

        var visible: [(ChunkKey, Double)] = []
        var seen = Set<ChunkKey>()
        for view in views { for (k, d) in keys(view) where seen.insert(k).inserted { visible.append((k, d)) } }
        visible.sort { $0.1 < $1.1 }
        cache.pin(Set(visible.map(\.0)))
        for (k, d) in visible { request(k, .visible, d) }

        // Prefetch, nearest first, until the budget is spent. Slabs that rank
        // after `wholeChunkRank` are left to a decode of their whole chunk.
        let budget = Int(Double(cache.budget) * policy.budgetFraction)
        let wholeFits = chunks.chunkBytes <= budget
        var prefetch: [(ChunkKey, Double)] = []
        var spent = 0
        func plan(_ key: ChunkKey, _ rank: Double) -> Bool {
            var key = key, rank = rank
            if key.slab != nil && wholeFits && rank >= policy.wholeChunkRank {
                key = key.whole
                rank = policy.wholeChunkRank
            }
            if key.slab != nil, seen.contains(key.whole) { return true }
            guard seen.insert(key).inserted else { return true }
            let cost = chunks.bytes(of: key) + ChunkCache.entryOverhead
            if spent + cost > budget { return false }
            spent += cost
            prefetch.append((key, rank))
            return true
        }
        // The whole chunks behind visible slabs, in their place in the order.
        var wholesPlanned = !wholeFits
        func planVisibleWholes() -> Bool {
            wholesPlanned = true
            return visible.allSatisfy { k, _ in k.slab == nil || plan(k.whole, policy.wholeChunkRank) }
        }
        let channel = views.count == 1 ? channelAxis : nil
        let positions = policy.positions(around: views[0], shape: meta.shape,
                                         scrubAxes: PlaneLoader.scrubAxes(views[0], channelAxis: channelAxis),
                                         channelAxis: channel, motion: motion)
        outer: for position in positions {
            if !wholesPlanned && position.rank >= policy.wholeChunkRank && !planVisibleWholes() { break }
            for view in views {
                var moved = view
                for (d, i) in position.indices.enumerated() where d != view.rowAxis && d != view.columnAxis {
                    // Composites share every index but the channel's.
                    if d != channelAxis || views.count == 1 { moved.indices[d] = i }
                }
                for (k, _) in keys(moved) where !plan(k, position.rank) { break outer }
            }
        }
        if !wholesPlanned { _ = planVisibleWholes() }
        prefetch.sort { $0.1 < $1.1 }
        for (k, rank) in prefetch { request(k, .prefetch, rank) }
        // Keep resident prefetch fresh in the LRU order, nearest most recent.
        for (k, _) in prefetch.reversed() { _ = cache.cached(k) }
        scheduler.replace(with: requests)
        return Plan(visible: visible.map(\.0), prefetch: prefetch.map(\.0), prefetchBytes: spent)
    }

    private func trackMotion(_ view: PlaneSelection) {
        defer { previousIndices = view.indices }
        guard let old = previousIndices, old.count == view.indices.count else { return }
        let changed = view.indices.indices.filter {
            $0 != view.rowAxis && $0 != view.columnAxis && old[$0] != view.indices[$0]
        }
        if changed.count == 1, let axis = changed.first {
            motion = PrefetchPolicy.Motion(axis: axis, direction: view.indices[axis] - old[axis])
        }
    }

    /// Whether a key's data is in the cache (a slab also counts when its whole chunk is).
    public func isResident(_ key: ChunkKey) -> Bool {
        cache.contains(key) || (key.slab != nil && cache.contains(key.whole))
    }

    /// The error of the last failed load of a key, if it failed.
    public func failure(_ key: ChunkKey) -> String? { failureLog.get(key) }

    /// Waits until every key is resident or has failed; false on timeout.
    public func waitUntilLoaded(_ keys: [ChunkKey], timeout: Double = 60) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        arrivals.lock(); defer { arrivals.unlock() }
        while !keys.allSatisfy({ isResident($0) || failure($0) != nil }) {
            if !arrivals.wait(until: deadline) { return false }
        }
        return true
    }

    /// Reads a plane through the cache (loading what is missing on this thread).
    public func readPlane(_ view: PlaneSelection) throws -> ArrayBuffer {
        try view.readPlane(array, chunks: chunks.source)
    }

    /// A plane assembled from resident data only, for a UI that must not wait.
    public struct PartialPlane: Sendable {
        public var plane: ArrayBuffer
        /// Parts (rows, columns of the plane) whose chunks are still loading.
        public var missing: [(rows: Range<Int>, columns: Range<Int>)]
        /// Parts whose chunks failed to load, with the error.
        public var failed: [(rows: Range<Int>, columns: Range<Int>, message: String)]
        public var isComplete: Bool { missing.isEmpty && failed.isEmpty }
    }

    /// Reads the plane from what is resident, never loading: chunks still
    /// loading (or failed) read as the fill value and are listed.
    /// - Parameter counting: count the resident chunks as the view's hits (once
    ///   per view, not on every redraw while the rest arrives).
    public func residentPlane(_ view: PlaneSelection, counting: Bool = true) throws -> PartialPlane {
        let gaps = Mutex<([(Range<Int>, Range<Int>)], [(Range<Int>, Range<Int>, String)])>(([], []))
        let chunks = chunks
        let source: RegionReader.ChunkSource = { [self] index, box in
            let key = chunks.key(index, box: box)
            for k in key.slab == nil ? [key] : [key, key.whole] {
                if let chunk = chunks.cache.cached(k, shown: counting) {
                    return chunk.buffer.map { ChunkPiece($0, origin: chunks.origin(of: k)) }
                }
            }
            // The box lies inside the view's region: make it relative to it.
            let (r, c) = (box[view.rowAxis], box[view.columnAxis])
            let rows = (r.lowerBound - view.rows.lowerBound)..<(r.upperBound - view.rows.lowerBound)
            let cols = (c.lowerBound - view.columns.lowerBound)..<(c.upperBound - view.columns.lowerBound)
            if let message = failure(key) ?? (key.slab != nil ? failure(key.whole) : nil) {
                gaps.withLock { $0.1.append((rows, cols, message)) }
            } else {
                gaps.withLock { $0.0.append((rows, cols)) }
            }
            return nil
        }
        let plane = try view.readPlane(array, chunks: source)
        let (missing, failed) = gaps.withLock { $0 }
        return PartialPlane(plane: plane, missing: missing.map { (rows: $0.0, columns: $0.1) },
                            failed: failed.map { (rows: $0.0, columns: $0.1, message: $0.2) })
    }

    /// Stops the workers after their current loads.
    public func stop() { scheduler.stop() }
}

/// Errors of failed loads, by key, for the status line and error tiles.
final class FailureLog: @unchecked Sendable {
    private let lock = NSLock()
    private var map: [ChunkKey: String] = [:]
    func record(_ key: ChunkKey, _ error: Error) {
        lock.lock(); defer { lock.unlock() }
        if map.count > 1024 { map.removeAll() }
        map[key] = "\(error)"
    }
    func get(_ key: ChunkKey) -> String? {
        lock.lock(); defer { lock.unlock() }
        return map[key]
    }
}
