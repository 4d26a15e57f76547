/// A map that keeps the most recently used entries whose costs (bytes) fit a budget: inserting
/// over the budget evicts the least recently used entries first, except those the caller keeps
/// (pinned chunks of the view). A value type (slots in an array, linked by index), not
/// thread-safe: an owner shared by threads holds it in a `Mutex`.
///
/// Invariants (`checkInvariants()`, in tests and debug builds; see ByteBudgetLRU+Invariants.swift):
/// - `totalCost` is the sum of the entries' costs;
/// - `totalCost <= budget`, except by entries that were kept when the budget was enforced;
/// - the list from `head` through `next` holds every entry once, least recent first, and
///   `prev` mirrors it.
public struct ByteBudgetLRU<Key: Hashable, Value> {
    struct Slot {
        var key: Key
        var value: Value
        var cost: Int
        var prev: Int
        var next: Int
    }

    /// The most the entries may cost together (unless kept).
    public private(set) var budget: Int
    public private(set) var totalCost = 0
    var slots: [Slot?] = []
    var freeSlots: [Int] = []
    var index: [Key: Int] = [:]
    /// Least recently used; `tail` the most recent; -1 when empty.
    var head = -1
    var tail = -1

    public init(budget: Int) {
        precondition(budget >= 0)
        self.budget = budget
    }

    public var count: Int { index.count }
    public var isEmpty: Bool { index.isEmpty }

    /// The value without counting as a use.
    public func peek(_ key: Key) -> Value? { index[key].map { slots[$0]!.value } }

    public func contains(_ key: Key) -> Bool { index[key] != nil }

    /// The value, which becomes the most recently used.
    public mutating func value(for key: Key) -> Value? {
        guard let i = index[key] else { return nil }
        moveToTail(i)
        return slots[i]!.value
    }

    /// Changes a value in place (its cost and its place in the order stay).
    public mutating func modify(_ key: Key, _ change: (inout Value) -> Void) {
        guard let i = index[key] else { return }
        change(&slots[i]!.value)
    }

    /// Inserts or replaces `key`'s value as the most recently used, then evicts least recently
    /// used entries that `keep` does not hold until the rest fit. Returns what was evicted
    /// (possibly the new entry itself, when it cannot fit and is not kept).
    @discardableResult
    public mutating func insert(
        _ value: Value, cost: Int, for key: Key, keep: (Key) -> Bool = { _ in false }
    )
        -> [(key: Key, value: Value)]
    {
        precondition(cost >= 0)
        removeValue(for: key)
        let slot = Slot(key: key, value: value, cost: cost, prev: tail, next: -1)
        let i: Int
        if let free = freeSlots.popLast() {
            slots[free] = slot
            i = free
        } else {
            slots.append(slot)
            i = slots.count - 1
        }
        if tail >= 0 { slots[tail]!.next = i } else { head = i }
        tail = i
        index[key] = i
        totalCost += cost
        return evict(keep: keep)
    }

    /// A new budget; entries over it are evicted (those `keep` holds stay).
    @discardableResult
    public mutating func setBudget(_ budget: Int, keep: (Key) -> Bool = { _ in false }) -> [(key: Key, value: Value)] {
        precondition(budget >= 0)
        self.budget = budget
        return evict(keep: keep)
    }

    /// Evicts least recently used entries that `keep` does not hold until the entries fit the budget.
    @discardableResult
    public mutating func evict(toFit extra: Int = 0, keep: (Key) -> Bool = { _ in false }) -> [(key: Key, value: Value)]
    {
        var evicted: [(key: Key, value: Value)] = []
        var i = head
        while totalCost + extra > budget && i >= 0 {
            let slot = slots[i]!
            let next = slot.next
            if !keep(slot.key) {
                removeValue(for: slot.key)
                evicted.append((slot.key, slot.value))
            }
            i = next
        }
        return evicted
    }

    @discardableResult
    public mutating func removeValue(for key: Key) -> Value? {
        guard let i = index.removeValue(forKey: key) else { return nil }
        let slot = slots[i]!
        unlink(i)
        slots[i] = nil
        freeSlots.append(i)
        totalCost -= slot.cost
        return slot.value
    }

    public mutating func removeAll() {
        slots.removeAll(keepingCapacity: true)
        freeSlots.removeAll(keepingCapacity: true)
        index.removeAll(keepingCapacity: true)
        (head, tail, totalCost) = (-1, -1, 0)
    }

    /// The keys, least recently used first.
    public var keysLeastRecentFirst: [Key] {
        var keys: [Key] = []
        var i = head
        while i >= 0 {
            keys.append(slots[i]!.key)
            i = slots[i]!.next
        }
        return keys
    }

    private mutating func moveToTail(_ i: Int) {
        guard i != tail else { return }
        unlink(i)
        slots[i]!.prev = tail
        slots[i]!.next = -1
        if tail >= 0 { slots[tail]!.next = i } else { head = i }
        tail = i
    }

    private mutating func unlink(_ i: Int) {
        let (p, n) = (slots[i]!.prev, slots[i]!.next)
        if p >= 0 { slots[p]!.next = n } else { head = n }
        if n >= 0 { slots[n]!.prev = p } else { tail = p }
        slots[i]!.prev = -1
        slots[i]!.next = -1
    }
}

extension ByteBudgetLRU: Sendable where Key: Sendable, Value: Sendable {}
extension ByteBudgetLRU.Slot: Sendable where Key: Sendable, Value: Sendable {}
