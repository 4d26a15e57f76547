import ArrayModel

/// What one view needs from the loader, as a value: which level it draws,
/// the chunks it pins, and the loads to queue in order. Built by
/// `PlaneLoader.plan` from the view alone (and what is resident, which
/// decides slab against whole chunk); carried out by `PlaneLoader.execute`.
public struct LoadPlan: Sendable {
    /// The pyramid level the view is drawn from.
    public var level: Int
    /// Keys the view draws at `level`, centre first (pinned until the next plan).
    public var visible: [ChunkKey]
    /// Keys of the coarsest level that cover the same view: loaded before
    /// `visible` (one or a few chunks) and drawn, upsampled, where the
    /// finer chunks are still loading. Empty when `level` is the coarsest.
    public var coarse: [ChunkKey]
    /// Keys queued or kept for what may be shown next, in order.
    public var prefetch: [ChunkKey]
    /// Bytes the prefetch keys take.
    public var prefetchBytes: Int
    /// The scheduler's queue: coarse, then visible, then prefetch.
    var requests: [ChunkScheduler.Request]

    /// A plan that pins and loads nothing (a view drawn some other way, e.g. reduced chunk by chunk).
    public init(level: Int) {
        self.init(level: level, visible: [], coarse: [], prefetch: [], prefetchBytes: 0, requests: [])
    }

    init(
        level: Int, visible: [ChunkKey], coarse: [ChunkKey], prefetch: [ChunkKey], prefetchBytes: Int,
        requests: [ChunkScheduler.Request]
    ) {
        (self.level, self.visible, self.coarse, self.prefetch, self.prefetchBytes, self.requests) =
            (level, visible, coarse, prefetch, prefetchBytes, requests)
    }

    /// What the plan pins: everything the view draws, fine and coarse.
    public var pins: Set<ChunkKey> { Set(visible).union(coarse) }
}
