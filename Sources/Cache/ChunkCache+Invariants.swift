/// Structural checks of the cache, for tests and debug builds: the byte
/// budget, the list/map agreement and the single-flight bookkeeping.
extension ChunkCache {
    public struct InvariantViolation: Error, CustomStringConvertible {
        public let description: String
    }

    /// Throws the first broken invariant.
    public func checkInvariants() throws {
        lock.lock(); defer { lock.unlock() }
        func fail(_ s: String) -> InvariantViolation { InvariantViolation(description: s) }
        var seen = Set<ChunkKey>()
        var sum = 0, pinnedBytes = 0
        var node = head
        var previous: Node? = nil
        while let n = node {
            guard n.prev === previous else { throw fail("broken back link at \(n.key)") }
            guard seen.insert(n.key).inserted else { throw fail("\(n.key) is listed twice") }
            guard entries[n.key] === n else { throw fail("\(n.key) is listed but not mapped") }
            sum += n.cost
            if isPinned(n.key) { pinnedBytes += n.cost }
            previous = n
            node = n.next
        }
        guard tail === previous else { throw fail("tail is not the last node") }
        guard seen.count == entries.count else { throw fail("\(entries.count) mapped, \(seen.count) listed") }
        guard sum == usedBytes else { throw fail("usedBytes \(usedBytes) but entries cost \(sum)") }
        guard usedBytes <= max(budget, pinnedBytes) else {
            throw fail("usedBytes \(usedBytes) over budget \(budget) with only \(pinnedBytes) pinned")
        }
        var counts: [ChunkKey: Int] = [:]
        for keys in pinsByOwner.values { for key in keys { counts[key, default: 0] += 1 } }
        guard counts == pinCount else { throw fail("pin counts do not match the owners' pin sets") }
        for key in flights.keys where entries[key] != nil {
            throw fail("\(key) is both resident and in flight")
        }
    }
}
