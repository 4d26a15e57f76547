import Foundation
import Synchronization
import Threads

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
    /// Roots whose consolidated metadata (`.zmetadata`, or a v3 group's `consolidated_metadata`)
    /// was read: every metadata document below them is in `map`, so one that is not is absent.
    private let consolidatedRoots = Mutex<Set<String>>([])

    static func isMetadata(_ key: String) -> Bool {
        names.contains(String(key.split(separator: "/").last ?? ""))
    }

    /// `.success(nil)`: known to be absent. A failure (of a fetch ahead) is handed out
    /// once and forgotten, so the read that gets it reports it and a later read asks again.
    func get(_ url: String) -> Result<[UInt8]?, Error>? {
        let known = map.withLock { m -> Result<[UInt8]?, Error>? in
            guard let r = m[url] else { return nil }
            if case .failure = r { m[url] = nil }
            return r
        }
        if let known { return known }
        return isBelowConsolidatedRoot(url) ? .success(nil) : nil
    }

    func contains(_ url: String) -> Bool { map.withLock { $0[url] != nil } || isBelowConsolidatedRoot(url) }

    private func isBelowConsolidatedRoot(_ url: String) -> Bool {
        consolidatedRoots.withLock { roots in roots.contains { url.hasPrefix($0 + "/") } }
    }

    /// Reads the consolidated metadata of the hierarchy at `root` (a URL) if it was fetched:
    /// v2's `.zmetadata` (`{"metadata": {"a/.zarray": {…}, …}}`) or a v3 group's `zarr.json`
    /// with `consolidated_metadata.metadata` (`{"a": {…zarr.json of a…}}`). Each document
    /// it holds is kept, and the root is marked complete.
    func adoptConsolidated(root: String) {
        var documents: [String: [UInt8]] = [:]
        if case .success(let bytes?)? = map.withLock({ $0[root + "/.zmetadata"] }),
            let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            let metadata = object["metadata"] as? [String: Any]
        {
            for (key, value) in metadata {
                guard MetadataMemo.isMetadata(key), let data = try? JSONSerialization.data(withJSONObject: value) else {
                    continue
                }
                documents[root + "/" + key] = [UInt8](data)
            }
        } else if case .success(let bytes?)? = map.withLock({ $0[root + "/zarr.json"] }),
            let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            let consolidated = object["consolidated_metadata"] as? [String: Any],
            let metadata = consolidated["metadata"] as? [String: Any]
        {
            for (path, value) in metadata {
                guard let data = try? JSONSerialization.data(withJSONObject: value) else { continue }
                documents[root + "/" + path + "/zarr.json"] = [UInt8](data)
            }
        } else {
            return
        }
        guard !documents.isEmpty else { return }
        map.withLock { m in
            for (url, bytes) in documents where m[url] == nil { m[url] = .success(bytes) }
        }
        consolidatedRoots.withLock { _ = $0.insert(root) }
    }

    func put(_ url: String, _ value: Result<[UInt8]?, Error>) {
        if case .success(let v) = value, (v?.count ?? 0) > MetadataMemo.maxBytes { return }
        map.withLock { m in
            if m.count >= MetadataMemo.maxEntries { m.removeAll(keepingCapacity: true) }
            m[url] = value
        }
    }

    /// Runs `work` for each item on up to `threads` threads (this one and the one pool's workers,
    /// which grows for work that waits on the network, not the CPU).
    static func concurrently(_ count: Int, threads: Int, _ work: @escaping @Sendable (Int) -> Void) {
        WorkPool.shared.forEach(count, width: threads, work)
    }
}
