import ArrayModel

/// Which positions near the current view are worth loading before they are
/// asked for, and in what order. Pure: a view and the recent motion in, a
/// ranked list of positions out; the `PlaneLoader` turns them into chunk loads
/// under the byte budget.
///
/// Ranks are "steps of cost": a step ahead in the direction of motion costs 1,
/// a step behind costs `behindWeight`, a step along another axis costs
/// `otherAxisWeight`. With the defaults a user scrubbing z upward gets
/// z+1…z+4 before z−1, and z+8 before z−2.
public struct PrefetchPolicy: Sendable, Equatable {
    /// Fraction of the cache budget prefetch may fill.
    public var budgetFraction = 0.5
    public var behindWeight = 4.0
    public var otherAxisWeight = 2.0
    /// Another channel at the same position (the `c` key's next view).
    public var channelRank = 1.5
    /// Positions ranked beyond this are not prefetched, whatever the budget:
    /// 16 steps ahead is half a second of scrubbing at 30 steps/s, and
    /// loading further out only takes cores from the frames that come first.
    public var horizon = 16.0
    /// Where a big chunk's whole decode goes in the order (in steps); the
    /// slabs of it that rank later are left to that decode.
    public var wholeChunkRank = 6.0

    public init() {}

    /// Scrub rate the horizon is sized for when storage is slow (steps a second).
    public static let fastScrubRate = 30.0

    /// The horizon for storage that answers in `latency` seconds: at least the steps a fast
    /// scrub covers in two round trips, so requests sent now arrive before they are shown
    /// (16 steps at 50 ms and below; 30 at 500 ms, the far side of an ocean).
    public func horizon(forLatency latency: Double?) -> Double {
        guard let latency, latency > 0 else { return horizon }
        return max(horizon, (2 * latency * PrefetchPolicy.fastScrubRate).rounded(.up))
    }

    /// The axis most recently moved, and which way.
    public struct Motion: Sendable, Equatable {
        public var axis: Int
        public var direction: Int
        public init(axis: Int, direction: Int) { (self.axis, self.direction) = (axis, direction > 0 ? 1 : -1) }
    }

    /// A position to prefetch: the view's indices with one axis moved.
    public struct Position: Sendable, Equatable {
        public var indices: [Int]
        public var rank: Double
    }

    /// Positions around `view` by increasing rank (ties: lower axis, then ahead first).
    /// - Parameters:
    ///   - scrubAxes: axes z/t-like axes that may be prefetched (non-displayed, not channel).
    ///   - channelAxis: when set, the other channels at the same position are prefetched too.
    public func positions(
        around view: PlaneSelection, shape: [Int], scrubAxes: [Int], channelAxis: Int?,
        motion: Motion?
    ) -> [Position] {
        var out: [(Position, Int)] = []
        var order = 0
        func add(_ axis: Int, _ value: Int, _ rank: Double) {
            var indices = view.indices
            indices[axis] = value
            out.append((Position(indices: indices, rank: rank), order))
            order += 1
        }
        for axis in scrubAxes {
            let here = view.indices[axis]
            for step in 1...max(1, Int(horizon)) {
                for direction in [1, -1] {
                    let value = here + direction * step
                    guard value >= 0 && value < shape[axis] else { continue }
                    let weight: Double
                    if let motion, motion.axis == axis {
                        weight = direction == motion.direction ? 1 : behindWeight
                    } else {
                        weight = motion == nil && axis == scrubAxes.first ? 1 : otherAxisWeight
                    }
                    if Double(step) * weight <= horizon { add(axis, value, Double(step) * weight) }
                }
            }
        }
        if let c = channelAxis {
            for value in 0..<shape[c] where value != view.indices[c] { add(c, value, channelRank) }
        }
        return out.sorted { ($0.0.rank, $0.1) < ($1.0.rank, $1.1) }.map(\.0)
    }
}
