import Foundation
import Formats
import TestSupport

/// One array of the conformance matrix (tests/fixtures/make_zarr_fixtures.py).
struct ConformanceCase: Sendable, CustomStringConvertible {
    let name: String
    let path: String
    let reference: String
    let format: String
    let writer: String
    let dtype: String
    let shape: [Int]
    let chunks: [Int]
    let axes: String?
    let fillValue: String
    let shardShape: [Int]?
    let codecs: [String]
    var description: String { name }

    static func all() -> [ConformanceCase] {
        guard let manifest = Fixtures.json("zarr/manifest.json"), let cases = manifest["cases"] as? [[String: Any]]
        else { return [] }
        return cases.map { c in
            ConformanceCase(
                name: c["name"] as? String ?? "?", path: c["path"] as? String ?? "",
                reference: c["reference"] as? String ?? "",
                format: c["format"] as? String ?? "", writer: c["writer"] as? String ?? "",
                dtype: c["dtype"] as? String ?? "",
                shape: (c["shape"] as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.intValue },
                chunks: (c["chunks"] as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.intValue },
                axes: c["axes"] as? String, fillValue: c["fill_value"].map { "\($0)" } ?? "null",
                shardShape: (c["shard_shape"] as? [Any])?.compactMap { ($0 as? NSNumber)?.intValue },
                codecs: c["codecs"] as? [String] ?? [])
        }
    }
}

/// One damaged dataset (errors.json).
struct ErrorCase: Sendable, CustomStringConvertible {
    let kind: String
    let path: String
    let chunk: [Int]?
    let detail: String
    var description: String { "\(kind): \(path)" }

    static func all() -> [ErrorCase] {
        (Fixtures.jsonList("zarr/errors.json") ?? []).map { e in
            ErrorCase(
                kind: e["kind"] as? String ?? "?", path: e["path"] as? String ?? "",
                chunk: (e["chunk"] as? [Any])?.compactMap { ($0 as? NSNumber)?.intValue },
                detail: e["detail"].map { "\($0)" } ?? "")
        }
    }

    /// What the one-line message must say for this kind of damage.
    var expectedFragments: [String] {
        switch kind {
        case "missing_path": ["no such file or directory"]
        case "group": ["is a Zarr group with arrays", "0, 1", "open one: "]
        case "malformed_json": ["malformed JSON in"]
        case "unknown_codec": ["unknown codec 'frobnicate'"]
        case "truncated_chunk": ["chunk"]
        case "crc32c_mismatch": ["crc32c mismatch"]
        case "wrong_size": ["decodes to", "expected"]
        case "not_zarr": ["not a Zarr array"]
        default: ["<unknown error kind \(kind)>"]
        }
    }
}

/// Elementwise equality that treats NaN == NaN; returns the first differing flat index.
func firstMismatch(_ a: ArrayBuffer, _ b: ArrayBuffer) -> Int? {
    if a.bytes == b.bytes { return nil }
    for i in 0..<min(a.count, b.count) {
        let (x, y) = (a.double(at: i), b.double(at: i))
        if x != y && !(x.isNaN && y.isNaN) { return i }
        // Same Double but different bits: 64-bit integers beyond 2^53.
        if a.dataType.size == 8 && !a.dataType.isFloat {
            let s = a.dataType.size
            if a.bytes[(i * s)..<(i * s + s)] != b.bytes[(i * s)..<(i * s + s)] { return i }
        }
    }
    return a.count == b.count ? nil : min(a.count, b.count)
}
