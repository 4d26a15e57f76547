import Foundation
import LRUModule
import ArrayModel
import Synchronization
import Stores
import Threads

/// The terminal-free core of the viewer: given the view, it plans the chunks
/// on screen (centre first, at the level the zoom needs, the coarsest level
/// first of all), pins them, queues their loads and the prefetch around
/// them, and tells whoever draws when data arrives. The TUI and
/// `vstack bench scrub` drive the same object.
///
/// Thread contract: driven from one thread (the viewer's or the benchmark's): `show`,
/// `execute`, `residentPlane`, `policy` and `previousIndices` belong to it. The workers touch
/// only the scheduler, the cache, the failure log and `arrivals`, which guard themselves.
public final class PlaneLoader: @unchecked Sendable {
    /// One per pyramid level, finest first (a single-scale array has one).
    public let levels: [CachedChunks]
    public let pyramid: [PyramidLevel]
    public let scheduler: ChunkScheduler
    public var policy: PrefetchPolicy
    /// Level 0's chunks.
    public var chunks: CachedChunks { levels[0] }
    public var cache: ChunkCache { chunks.cache }
    public var array: LazyArray { chunks.array }

    /// Loads finished so far (any key): `waitUntilLoaded` waits for the count to move.
    private let arrivals: ConditionLock<Int>
    /// Whose pins and queued loads this loader's plans are (the image, or a labels layer).
    public let owner: PinOwner
    /// False for a layer's loader, which shares another loader's workers.
    private let ownsScheduler: Bool
    private var previousIndices: [Int]?
    public private(set) var motion: PrefetchPolicy.Motion?

    /// - Parameters:
    ///   - workers: loads at once; default one per core, or the source's preference when it waits on storage.
    ///   - onSettled: called on a worker thread after each load, once its chunk is cached (or its
    ///     failure recorded) and it no longer counts in `scheduler.pending`: the time to redraw.
    public init(
        array: LazyArray, cache: ChunkCache, policy: PrefetchPolicy = PrefetchPolicy(), workers: Int? = nil,
        slabThreshold: Int = CachedChunks.defaultSlabThreshold, recordsTrace: Bool = false,
        onSettled: (@Sendable () -> Void)? = nil
    ) {
        pyramid = array.pyramid
        levels = pyramid.enumerated().map { i, level in
            CachedChunks(cache: cache, array: level.array, level: i, slabThreshold: slabThreshold)
        }
        self.policy = policy
        (owner, ownsScheduler) = (.image, true)
        let count = workers ?? array.preferredConcurrency ?? ProcessInfo.processInfo.activeProcessorCount
        let arrivals = ConditionLock(0)
        self.arrivals = arrivals
        let failuresBox = FailureLog()
        self.failureLog = failuresBox
        scheduler = ChunkScheduler(
            cache: cache, workers: count, recordsTrace: recordsTrace,
            completion: { key, error in
                if let error { failuresBox.record(key, error) }
                arrivals.withLock(wakes: true) { $0 += 1 }
            }, settled: onSettled)
    }

    /// A loader for another layer of the same view (a label image over the image): the same
    /// cache, workers and queue — its loads are ranked with `other`'s, and `other`'s `onSettled`
    /// hears them — but its own pins and plans, as `owner`.
    public init(
        layer array: LazyArray, sharing other: PlaneLoader, owner: PinOwner,
        slabThreshold: Int = CachedChunks.defaultSlabThreshold
    ) {
        pyramid = array.pyramid
        levels = pyramid.enumerated().map { i, level in
            CachedChunks(cache: other.cache, array: level.array, level: i, slabThreshold: slabThreshold)
        }
        policy = other.policy
        (scheduler, arrivals, failureLog) = (other.scheduler, other.arrivals, other.failureLog)
        (self.owner, ownsScheduler) = (owner, false)
    }

    private let failureLog: FailureLog

    deinit { if ownsScheduler { scheduler.stop() } }

    /// Axes that can be scrubbed and prefetched along: not displayed, not the
    /// channel axis; z first (the axis `[`/`]` moves), then the others from the innermost out.
    public static func scrubAxes(_ view: PlaneSelection, channelAxis: Int?) -> [Int] {
        let free = view.indices.indices.reversed().filter {
            $0 != view.rowAxis && $0 != view.columnAxis && $0 != channelAxis
        }
        guard let z = view.axisNames.firstIndex(of: "z"), free.contains(z) else { return free }
        return [z] + free.filter { $0 != z }
    }

    /// Plans and carries out `views` (one per channel of a composite, else
    /// one, in level-0 coordinates) drawn at `level`.
    @discardableResult
    public func show(_ views: [PlaneSelection], level: Int = 0, channelAxis: Int? = nil) -> LoadPlan {
        // The visible loads start as soon as they are known; planning the prefetch (a thousand
        // keys or more) would otherwise come before the first load. `execute` then pins the
        // same keys again and replaces the queue with the whole plan.
        let plan = plan(views, level: level, channelAxis: channelAxis) { pins, requests in
            self.cache.pin(pins, owner: self.owner)
            self.scheduler.enqueue(requests, owner: self.owner)
        }
        execute(plan)
        return plan
    }

    /// Pins what the plan draws (as the image layer) and makes its loads the scheduler's queue.
    public func execute(_ plan: LoadPlan) {
        cache.pin(plan.pins, owner: owner)
        // Keep resident prefetch fresh in the LRU order, nearest most recent.
        for k in plan.prefetch.reversed() { _ = cache.cached(k) }
        scheduler.replace(with: plan.requests, owner: owner)
    }

    /// The plan for `views` at `level`: the coarsest level's keys first, then
    /// the level's keys by distance from the centre, then prefetch nearest
    /// first until the budget is spent. Records the motion (scrub direction).
    /// - Parameter channelAxis: the channel axis, if any. It is never scrubbed;
    ///   when one channel is shown, the other channels are prefetched.
    /// - Parameter visiblePlanned: called with the pins and the requests of the coarse and
    ///   visible keys once they are planned, before the prefetch is.
    public func plan(
        _ views: [PlaneSelection], level: Int = 0, channelAxis: Int? = nil,
        visiblePlanned: ((Set<ChunkKey>, [ChunkScheduler.Request]) -> Void)? = nil
    ) -> LoadPlan {
        precondition(!views.isEmpty && level >= 0 && level < levels.count)
        let chunks = levels[level]
        let meta = chunks.array.metadata
        let shown = views.map { level == 0 ? $0 : pyramid[level].selection(for: $0) }
        trackMotion(shown[0])
        var requests: [ChunkScheduler.Request] = []
        func request(_ chunks: CachedChunks, _ key: ChunkKey, _ tier: ChunkScheduler.Tier, _ rank: Double) {
            requests.append(
                ChunkScheduler.Request(key: key, tier: tier, rank: rank) { token in
                    try chunks.load(key, cancellation: token)
                })
        }

        // The coarsest level's keys rank before every fine key: they are few and fill the view at once.
        var coarse: [ChunkKey] = []
        if level < levels.count - 1, let last = levels.last {
            var seen = Set<ChunkKey>()
            for view in views {
                for (k, _) in PlaneLoader.keys(last, pyramid[levels.count - 1].selection(for: view))
                where seen.insert(k).inserted {
                    coarse.append(k)
                    request(last, k, .visible, -1)
                }
            }
        }

        var visible: [(ChunkKey, Double)] = []
        var seen = Set<ChunkKey>()
        for view in shown {
            for (k, d) in PlaneLoader.keys(chunks, view) where seen.insert(k).inserted { visible.append((k, d)) }
        }
        visible.sort { $0.1 < $1.1 }
        for (k, d) in visible { request(chunks, k, .visible, d) }
        visiblePlanned?(Set(coarse).union(visible.map(\.0)), requests)

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
        // Over a network the horizon grows with the measured round trip.
        var policy = self.policy
        if chunks.array.preferredConcurrency != nil {
            policy.horizon = policy.horizon(forLatency: HTTPClient.existing?.statistics.meanLatency)
        }
        // Positions whose planes cross the same chunks as one planned before add nothing when
        // keys are whole chunks (z+1…z+7 inside one chunk of 8 planes): skipped, not re-keyed.
        let skipsCrossed = chunks.keysAreWholeChunks
        var crossed = Set(skipsCrossed ? shown.map { meta.grid.chunkSpan($0.region) } : [])
        let positions = policy.positions(
            around: shown[0], shape: meta.shape,
            scrubAxes: PlaneLoader.scrubAxes(shown[0], channelAxis: channelAxis),
            channelAxis: channel, motion: motion)
        outer: for position in positions {
            if !wholesPlanned && position.rank >= policy.wholeChunkRank && !planVisibleWholes() { break }
            for view in shown {
                var moved = view
                for (d, i) in position.indices.enumerated() where d != view.rowAxis && d != view.columnAxis {
                    // Composites share every index but the channel's.
                    if d != channelAxis || views.count == 1 { moved.indices[d] = i }
                }
                if skipsCrossed && !crossed.insert(meta.grid.chunkSpan(moved.region)).inserted { continue }
                for (k, _) in PlaneLoader.keys(chunks, moved) where !plan(k, position.rank) { break outer }
            }
        }
        if !wholesPlanned { _ = planVisibleWholes() }
        prefetch.sort { $0.1 < $1.1 }
        for (k, rank) in prefetch { request(chunks, k, .prefetch, rank) }
        return LoadPlan(
            level: level, visible: visible.map(\.0), coarse: coarse, prefetch: prefetch.map(\.0),
            prefetchBytes: spent, requests: requests)
    }

    /// The keys a view (in the level's coordinates) draws, with their distance from the view's centre.
    public static func keys(_ chunks: CachedChunks, _ view: PlaneSelection) -> [(ChunkKey, Double)] {
        let grid = chunks.array.metadata.grid
        let region = view.region
        let (cy, cx) = (
            Double(view.rows.lowerBound + view.rows.upperBound) / 2,
            Double(view.columns.lowerBound + view.columns.upperBound) / 2
        )
        return grid.chunks(overlapping: region).map { index in
            let box = grid.overlap(of: index, with: region)
            let (r, c) = (box[view.rowAxis], box[view.columnAxis])
            let dy = (Double(r.lowerBound + r.upperBound) / 2 - cy) / Double(max(1, view.rows.count))
            let dx = (Double(c.lowerBound + c.upperBound) / 2 - cx) / Double(max(1, view.columns.count))
            return (chunks.key(index, box: box), (dy * dy + dx * dx).squareRoot())
        }
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

    /// The error of the last failed load of a key, if it failed: kept as it was thrown.
    public func failureError(_ key: ChunkKey) -> (any Error)? { failureLog.get(key) }

    /// The error of the last failed load of a key as the line shown (`ErrorLine.text`), if it failed.
    public func failure(_ key: ChunkKey) -> String? { failureError(key).map(ErrorLine.text) }

    /// Waits until every key is resident or has failed; false on timeout.
    public func waitUntilLoaded(_ keys: [ChunkKey], timeout: Double = 60) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        func done(_ key: ChunkKey) -> Bool { isResident(key) || failure(key) != nil }
        // Each arrival looks on from the first key not done at the last look, not from the start
        // (192 keys looked at 192 times each were most of the waiting); once every key has been
        // seen done, all are checked at once, as a key seen done may have been evicted since.
        var next = 0
        while true {
            // Counted before looking, so an arrival while looking ends the wait at once.
            let seen = arrivals.withLock { $0 }
            while next < keys.count && done(keys[next]) { next += 1 }
            if next == keys.count {
                if keys.allSatisfy(done) { return true }
                next = 0
            }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 || !arrivals.wait(until: { $0 != seen }, timeout: left) { return false }
        }
    }

    /// Reads a plane through the cache (loading what is missing on this thread).
    public func readPlane(_ view: PlaneSelection) throws -> ArrayBuffer {
        try view.readPlane(array, chunks: chunks.source)
    }

    /// Stops the workers after their current loads (a layer's loader stops only its own loads).
    public func stop() {
        if ownsScheduler {
            scheduler.stop()
        } else {
            cache.pin([], owner: owner)
            scheduler.replace(with: [], owner: owner)
        }
    }
}

/// Errors of failed loads, by key, as they were thrown (rendered only when shown), for the status
/// line and error tiles: the most recent ones within 256 KiB of their messages.
final class FailureLog: Sendable {
    private let errors = Mutex(ByteBudgetLRU<ChunkKey, any Error>(budget: 256 << 10))
    func record(_ key: ChunkKey, _ error: any Error) {
        let cost = ErrorLine.text(error).utf8.count + 64
        errors.withLock { _ = $0.insert(error, cost: cost, for: key) }
    }
    func get(_ key: ChunkKey) -> (any Error)? { errors.withLock { $0.peek(key) } }
}
