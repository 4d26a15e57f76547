import LRUModule
import Testing

/// The generic LRU against a plain reference model (an array in use order), with its
/// invariants checked after every step.
@Suite struct ByteBudgetLRUTests {
    struct Model {
        var order: [(key: Int, value: Int, cost: Int)] = []  // least recent first
        let budget: Int
        var total: Int { order.reduce(0) { $0 + $1.cost } }
        mutating func use(_ k: Int) -> Int? {
            guard let i = order.firstIndex(where: { $0.key == k }) else { return nil }
            let e = order.remove(at: i)
            order.append(e)
            return e.value
        }
        mutating func insert(_ k: Int, _ v: Int, _ c: Int, keep: (Int) -> Bool) -> [Int] {
            order.removeAll { $0.key == k }
            order.append((k, v, c))
            var evicted: [Int] = []
            var i = 0
            while total > budget && i < order.count {
                if keep(order[i].key) { i += 1 } else { evicted.append(order.remove(at: i).key) }
            }
            return evicted
        }
    }

    @Test func randomOperationsMatchTheModel() throws {
        var rng = SystemRandomNumberGenerator()
        for budget in [0, 10, 100, 1000] {
            var lru = ByteBudgetLRU<Int, Int>(budget: budget)
            var model = Model(budget: budget)
            let pinned: Set<Int> = [3, 7]
            for step in 0..<3000 {
                let k = Int.random(in: 0..<20, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0, 1:
                    let c = Int.random(in: 0...60, using: &rng)
                    let keep: (Int) -> Bool = { pinned.contains($0) }
                    let got = lru.insert(step, cost: c, for: k, keep: keep).map(\.key)
                    #expect(got == model.insert(k, step, c, keep: keep), "step \(step)")
                case 2:
                    #expect(lru.value(for: k) == model.use(k))
                default:
                    let removed = lru.removeValue(for: k)
                    let i = model.order.firstIndex { $0.key == k }
                    #expect(removed == i.map { model.order.remove(at: $0).value })
                }
                try lru.checkInvariants(kept: { pinned.contains($0) })
                #expect(lru.keysLeastRecentFirst == model.order.map(\.key))
                #expect(lru.totalCost == model.total)
            }
        }
    }

    @Test func aSmallerBudgetEvictsAtOnce() throws {
        var lru = ByteBudgetLRU<String, Int>(budget: 100)
        for (i, k) in ["a", "b", "c", "d"].enumerated() { lru.insert(i, cost: 25, for: k) }
        _ = lru.value(for: "a")
        #expect(lru.setBudget(50).map(\.key) == ["b", "c"])
        #expect(lru.keysLeastRecentFirst == ["d", "a"])
        try lru.checkInvariants()
    }
}
