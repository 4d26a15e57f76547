/// "Did you mean …?": the one known name nearest a mistyped one, for commands, operators,
/// parameters and paths alike.
public enum NameSuggestion {
    /// The name of `names` nearest `word` if it is within 1 edit (names of up to 4 characters) or 2
    /// edits (longer names) and no other is as near.
    public static func nearest(to word: String, in names: [String]) -> String? {
        let scored = names.map { (name: $0, d: distance(word, $0)) }.filter { $0.d <= ($0.name.count <= 4 ? 1 : 2) }
        guard let best = scored.map(\.d).min() else { return nil }
        let nearest = scored.filter { $0.d == best }
        return nearest.count == 1 ? nearest[0].name : nil
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps.
    public static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a), y = Array(b)
        if x.isEmpty || y.isEmpty { return max(x.count, y.count) }
        var d = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in 0...x.count { d[i][0] = i }
        for j in 0...y.count { d[0][j] = j }
        for i in 1...x.count {
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[x.count][y.count]
    }
}
