import ArrayModel

/// `demo:` (and its old name `synthetic:`), with optional query options:
/// `demo:?latency=50ms&chunks=1,1,16,256,256&levels=4`.
struct SyntheticFormat: FormatDriver {
    func probe(_ location: DatasetLocation) -> Void? { (location.place == .scheme).match }

    func open(_ match: Void, at location: DatasetLocation) throws -> LazyArray {
        try Self.open(location.text)
    }

    static func open(_ location: String) throws -> SyntheticArray {
        let rest = location.drop { $0 != ":" }.dropFirst()
        guard rest.isEmpty || rest.hasPrefix("?") else {
            throw FormatError(
                "unknown synthetic dataset '\(location)' (use demo:, demo:?latency=50ms or demo:?levels=4)")
        }
        var latency = 0.0
        var chunks = SyntheticArray.defaultChunks
        var levels = 1
        for item in rest.dropFirst().split(separator: "&") {
            let kv = item.split(separator: "=", maxSplits: 1).map(String.init)
            switch (kv.first ?? "", kv.count == 2 ? kv[1] : "") {
            case ("latency", let v):
                guard let seconds = Duration.parseSeconds(v) else {
                    throw FormatError("latency '\(v)' is not a duration such as 50ms or 0.2s")
                }
                latency = seconds
            case ("chunks", let v):
                let parts = v.split(separator: ",").compactMap { Int($0) }
                guard parts.count == 5, parts.allSatisfy({ $0 > 0 }) else {
                    throw FormatError("chunks '\(v)' must be five positive sizes (c,t,z,y,x)")
                }
                chunks = parts
            case ("levels", let v):
                guard let n = Int(v), (1...8).contains(n) else {
                    throw FormatError("levels '\(v)' must be a whole number from 1 to 8")
                }
                levels = n
            case (let k, _):
                throw FormatError("unknown synthetic option '\(k)' (known: latency, chunks, levels)")
            }
        }
        return SyntheticArray(chunkShape: chunks, location: location, latency: latency, levels: levels)
    }
}
