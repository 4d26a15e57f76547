/// Structural checks of the cache, for tests and debug builds: the byte
/// budget (through the LRU's own checks), the pin counts and the single-flight bookkeeping.
extension ChunkCache {
    public struct InvariantViolation: Error, CustomStringConvertible {
        public let description: String
    }

    /// Throws the first broken invariant.
    public func checkInvariants() throws {
        try state.withLock { s in
            func fail(_ text: String) -> InvariantViolation { InvariantViolation(description: text) }
            do {
                let pins = s.pinCount
                try s.entries.checkInvariants(kept: { pins[$0] != nil })
            } catch {
                throw fail("\(error)")
            }
            var counts: [ChunkKey: Int] = [:]
            for keys in s.pinsByOwner.values { for key in keys { counts[key, default: 0] += 1 } }
            guard counts == s.pinCount else { throw fail("pin counts do not match the owners' pin sets") }
            for key in s.flights.keys where s.entries.contains(key) {
                throw fail("\(key) is both resident and in flight")
            }
        }
    }
}
