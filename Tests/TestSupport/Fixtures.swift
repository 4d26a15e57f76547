import Foundation
import Formats

/// Locates the generated fixtures (`make test` writes them to .fixtures/ and
/// sets VSTACK_FIXTURES) and reads their manifests.
public enum Fixtures {
    public static let root: String = {
        if let env = ProcessInfo.processInfo.environment["VSTACK_FIXTURES"] { return env }
        // Tests/TestSupport/Fixtures.swift → package root.
        let here = URL(fileURLWithPath: #filePath)
        return here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".fixtures").path
    }()

    public static func path(_ relative: String) -> String { root + "/" + relative }

    public static func json(_ relative: String) -> [String: Any]? {
        guard let data = FileManager.default.contents(atPath: path(relative)),
            let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return obj
    }

    public static func jsonList(_ relative: String) -> [[String: Any]]? {
        guard let data = FileManager.default.contents(atPath: path(relative)) else { return nil }
        let obj = try? JSONSerialization.jsonObject(with: data)
        if let list = obj as? [[String: Any]] { return list }
        if let dict = obj as? [String: Any] { return (dict["errors"] ?? dict["cases"]) as? [[String: Any]] }
        return nil
    }

    public static func readNPY(_ relative: String) throws -> ArrayBuffer {
        guard let data = FileManager.default.contents(atPath: path(relative)) else {
            throw FormatError("missing reference \(relative)")
        }
        return try NPY.decode([UInt8](data))
    }
}
