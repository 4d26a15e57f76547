/// Structural checks of the list, the index and the cost sum, for tests and debug builds.
extension ByteBudgetLRU {
    public struct InvariantViolation: Error, CustomStringConvertible {
        public let description: String
    }

    /// Throws the first broken invariant. `kept` says which entries may stand over the budget.
    public func checkInvariants(kept: (Key) -> Bool = { _ in false }) throws {
        func fail(_ s: String) -> InvariantViolation { InvariantViolation(description: s) }
        var seen = Set<Key>()
        var sum = 0, keptCost = 0
        var i = head, previous = -1
        while i >= 0 {
            guard let slot = slots[i] else { throw fail("the list reaches a free slot \(i)") }
            guard slot.prev == previous else { throw fail("broken back link at slot \(i)") }
            guard seen.insert(slot.key).inserted else { throw fail("a key is listed twice") }
            guard index[slot.key] == i else { throw fail("slot \(i) is listed but not indexed") }
            sum += slot.cost
            if kept(slot.key) { keptCost += slot.cost }
            previous = i
            i = slot.next
        }
        guard tail == previous else { throw fail("tail is not the last slot") }
        guard seen.count == index.count else { throw fail("\(index.count) indexed, \(seen.count) listed") }
        guard sum == totalCost else { throw fail("totalCost \(totalCost) but entries cost \(sum)") }
        guard totalCost <= max(budget, keptCost) else {
            throw fail("totalCost \(totalCost) over budget \(budget) with only \(keptCost) kept")
        }
        guard freeSlots.count + index.count == slots.count else { throw fail("slots leak") }
    }
}
