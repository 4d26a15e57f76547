import ArrayModel
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

    private struct State {
        var entries: [Key: (entry: Entry, bytes: Int, used: Int)] = [:]
        var clock = 0
        var bytes = 0
    }

    private let state = Mutex(State())
    public let budget: Int

    public init(budget: Int = 256 << 20) { self.budget = budget }

    public func get(_ key: Key) -> Entry? {
        state.withLock { s in
            guard var e = s.entries[key] else { return nil }
            s.clock += 1
            e.used = s.clock
            s.entries[key] = e
            return e.entry
        }
    }

    public func put(_ key: Key, _ entry: Entry) {
        let size: Int
        if case .plane(let p) = entry { size = p.plane.bytes.count + 256 } else { size = 256 }
        state.withLock { s in
            if let old = s.entries[key] { s.bytes -= old.bytes }
            s.clock += 1
            s.entries[key] = (entry, size, s.clock)
            s.bytes += size
            while s.bytes > budget, s.entries.count > 1,
                  let oldest = s.entries.min(by: { $0.value.used < $1.value.used }), oldest.key != key {
                s.bytes -= oldest.value.bytes
                s.entries[oldest.key] = nil
            }
        }
    }

    public var count: Int { state.withLock { $0.entries.count } }
}
