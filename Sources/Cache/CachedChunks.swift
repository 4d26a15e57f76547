import Foundation
import Formats

/// One array's chunks read through a shared cache: what plane reads use
/// instead of calling `readChunk` directly.
public struct CachedChunks: Sendable {
    public let cache: ChunkCache
    public let array: LazyArray
    public let level: Int

    public init(cache: ChunkCache, array: LazyArray, level: Int = 0) {
        (self.cache, self.array, self.level) = (cache, array, level)
    }

    public func key(_ index: [Int]) -> ChunkKey { ChunkKey(array: array, level: level, index: index) }

    /// The chunk, from the cache or loaded once.
    public func chunk(_ index: [Int]) throws -> ArrayBuffer? {
        try cache.chunk(key(index)) { try array.readChunk(index) }.buffer
    }

    /// A source for `RegionReader` / `PlaneSelection.readPlane`.
    public var source: RegionReader.ChunkSource {
        let me = self
        return { try me.chunk($0) }
    }
}

/// Byte counts as users write them: `512MiB`, `4GiB`, `1.5G`, `800M`, `65536`.
public enum ByteSize {
    public static func parse(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: .whitespaces)
        let digits = t.prefix { $0.isNumber || $0 == "." }
        guard let value = Double(digits), value >= 0 else { return nil }
        let unit = t.dropFirst(digits.count).lowercased().replacingOccurrences(of: " ", with: "")
        let scale: Double
        switch unit {
        case "", "b": scale = 1
        case "k", "kb", "kib": scale = 1024
        case "m", "mb", "mib": scale = 1024 * 1024
        case "g", "gb", "gib": scale = 1024 * 1024 * 1024
        case "t", "tb", "tib": scale = 1024 * 1024 * 1024 * 1024
        default: return nil
        }
        let bytes = value * scale
        return bytes < Double(Int.max) ? Int(bytes) : nil
    }
}
