import Foundation

/// Limits how many chunks are decoded at once to the number of cores. Loads of a
/// remote source run many at a time (most of them waiting on the network); their
/// decoding, which is CPU work, waits here for a core instead of crowding them.
public enum DecodeGate {
    private static let slots = DispatchSemaphore(value: max(1, ProcessInfo.processInfo.activeProcessorCount))

    /// Runs `body` once a decode slot is free.
    public static func run<T>(_ body: () throws -> T) rethrows -> T {
        slots.wait()
        defer { slots.signal() }
        return try body()
    }
}
