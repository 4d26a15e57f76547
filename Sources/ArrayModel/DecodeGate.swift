import Foundation
import Threads

/// Limits how many chunks are decoded at once to the number of cores. Loads of a
/// remote source run many at a time (most of them waiting on the network); their
/// decoding, which is CPU work, waits here for a core instead of crowding them.
public enum DecodeGate {
    /// Free decode slots.
    private static let slots = ConditionLock(max(1, ProcessInfo.processInfo.activeProcessorCount))

    /// Runs `body` once a decode slot is free.
    public static func run<T>(_ body: () throws -> T) rethrows -> T {
        slots.wait(until: { $0 > 0 }) { $0 -= 1 }
        defer { slots.withLock(wakes: true) { $0 += 1 } }
        return try body()
    }
}
