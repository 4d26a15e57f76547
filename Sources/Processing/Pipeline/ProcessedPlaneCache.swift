import ArrayModel
import LRUModule
import Synchronization

/// Filtered planes by (view, active stages, working factor), least recently
/// used out first under a byte budget: toggling a stage off and on again, or
/// going back to a plane, is a lookup, not a computation. Failures are kept
/// too, so a bad chunk is reported once instead of recomputed on every frame.
public final class ProcessedPlaneCache: Sendable {
    public struct Key: Hashable, Sendable {
        public var view: PlaneSelection
        public var pipeline: String
        public var factor: Int
        public init(view: PlaneSelection, pipeline: String, factor: Int) {
            (self.view, self.pipeline, self.factor) = (view, pipeline, factor)
        }
    }

    public enum Entry: Sendable {
        case plane(FilteredPlane)
        case failure(String)
    }

    private let entries: Mutex<ByteBudgetLRU<Key, Entry>>
    public var budget: Int { entries.withLock { $0.budget } }

    /// - Parameter budget: the bytes the planes may take (the viewer sets it aside from `--cache`).
    public init(budget: Int = 256 << 20) { entries = Mutex(ByteBudgetLRU(budget: budget)) }

    public func get(_ key: Key) -> Entry? { entries.withLock { $0.value(for: key) } }

    /// Keeps `entry`; the least recently used go when over the budget. The newest plane stays even
    /// when it alone is over the budget (the one on screen is never dropped).
    public func put(_ key: Key, _ entry: Entry) {
        let size: Int
        if case .plane(let p) = entry { size = p.plane.bytes.count + 256 } else { size = 256 }
        entries.withLock { _ = $0.insert(entry, cost: size, for: key) { $0 == key } }
    }

    public var count: Int { entries.withLock { $0.count } }
}
