import Foundation
import Synchronization

/// Small metadata documents (`zarr.json`, `.zarray`, `.zattrs`, `.zgroup`, and whether
/// each exists) already fetched, by URL, for the process: opening a remote dataset
/// asks for the same few documents several times (probing, then reading), and an
/// OME-Zarr image's levels are asked for all at once. Chunks are never kept here.
final class MetadataMemo: Sendable {
    static let names: Set<String> = ["zarr.json", ".zarray", ".zattrs", ".zgroup", ".zmetadata", "attributes.json"]
    /// Documents larger than this are not kept.
    static let maxBytes = 1 << 20
    private static let maxEntries = 4096
    private let map = Mutex<[String: Result<[UInt8]?, Error>]>([:])

    static func isMetadata(_ key: String) -> Bool {
        names.contains(String(key.split(separator: "/").last ?? ""))
    }

    /// `.success(nil)`: known to be absent. A failure (of a fetch ahead) is handed out
    /// once and forgotten, so the read that gets it reports it and a later read asks again.
    func get(_ url: String) -> Result<[UInt8]?, Error>? {
        map.withLock { m in
            guard let r = m[url] else { return nil }
            if case .failure = r { m[url] = nil }
            return r
        }
    }

    func contains(_ url: String) -> Bool { map.withLock { $0[url] != nil } }

    func put(_ url: String, _ value: Result<[UInt8]?, Error>) {
        if case .success(let v) = value, (v?.count ?? 0) > MetadataMemo.maxBytes { return }
        map.withLock { m in
            if m.count >= MetadataMemo.maxEntries { m.removeAll(keepingCapacity: true) }
            m[url] = value
        }
    }

    /// Runs `work` for each item on up to `threads` threads of their own (they wait on the
    /// network, not the CPU).
    static func concurrently(_ count: Int, threads: Int, _ work: @escaping @Sendable (Int) -> Void) {
        guard count > 1 && threads > 1 else { for i in 0..<count { work(i) }; return }
        let group = DispatchGroup()
        let next = Mutex(0)
        for _ in 0..<min(count, threads) {
            group.enter()
            let thread = Thread {
                while true {
                    let i = next.withLock { n in defer { n += 1 }; return n }
                    guard i < count else { break }
                    work(i)
                }
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
    }
}
