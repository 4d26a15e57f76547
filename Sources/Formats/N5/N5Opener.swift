import Stores

/// Opens what an N5 directory (`attributes.json`) stands for: a dataset, a
/// multiscale group (`s0`, `s1`, …), or a one-line error that says which path
/// to open (a BigStitcher root of `setupN`, a setup of `timepointN`, a plain group).
enum N5Opener {
    /// Whether `store`'s root is N5 (it has `attributes.json`).
    static func isN5(_ store: Store) throws -> Bool {
        store.prefetchMetadata([N5Attributes.file])
        return try store.contains(N5Attributes.file)
    }

    static func open(_ store: Store, location: String) throws -> LazyArray {
        let base = location.hasSuffix("/") ? String(location.dropLast()) : location
        guard let meta = try N5Attributes.read(store) else { throw FormatError.missing("no attributes.json here") }
        if N5Attributes.isDataset(meta) { return try N5Array(store: store) }
        let levels = try N5MultiscaleImage.levelCount(store)
        if levels > 0 { return try N5MultiscaleImage(location: base, attributes: meta.object, levelCount: levels) }
        if (meta.object["multiScale"] as? Bool) == true {
            throw FormatError.missing("is an N5 multiscale group without a dataset s0")
        }
        let setups = probe(store, "setup")
        if let first = setups.first {
            let timepoint = probe(store, "timepoint", below: first).first ?? "timepoint0"
            throw FormatError.notAnArray(
                "is a BigStitcher N5 root with \(list(setups)); open one: \(base)/\(first)/\(timepoint)")
        }
        let timepoints = probe(store, "timepoint")
        if let first = timepoints.first {
            throw FormatError.notAnArray(
                "is a BigStitcher N5 setup with \(list(timepoints)); open one: \(base)/\(first)")
        }
        let children = ((try? store.list("")) ?? []).filter {
            (try? store.contains(joinKey($0, N5Attributes.file))) == true
        }
        guard let first = children.first else {
            throw FormatError.notAnArray(
                "is an N5 group with no datasets vstack can find (no s0, setup0 or timepoint0)")
        }
        throw FormatError.notAnArray("is an N5 group with \(list(children)); open one: \(base)/\(first)")
    }

    /// `name0`, `name1`, … that exist below `prefix`: listed when the store can list, else probed in order.
    static func probe(_ store: Store, _ name: String, below prefix: String = "") -> [String] {
        // BigStitcher writes setupN/ without attributes of its own at times: a listed directory
        // that holds anything counts.
        let listed = ((try? store.list(prefix)) ?? []).filter { child in
            child.hasPrefix(name) && Int(child.dropFirst(name.count)) != nil
                && (((try? store.contains(joinKey(prefix, child, N5Attributes.file))) ?? false)
                    || !((try? store.list(joinKey(prefix, child))) ?? []).isEmpty)
        }
        if !listed.isEmpty {
            return listed.sorted { Int($0.dropFirst(name.count))! < Int($1.dropFirst(name.count))! }
        }
        var found: [String] = []
        while found.count < 64,
            (try? store.contains(joinKey(prefix, "\(name)\(found.count)", N5Attributes.file))) == true
        {
            found.append("\(name)\(found.count)")
        }
        return found
    }

    /// `a, b, c` — or the first few and how many more.
    private static func list(_ names: [String]) -> String {
        names.count <= 8
            ? names.joined(separator: ", ") : names.prefix(6).joined(separator: ", ") + " and \(names.count - 6) more"
    }
}
