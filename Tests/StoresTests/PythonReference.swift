import Foundation
import Testing

/// The Python interpreter with the reference libraries (hashlib, botocore, moto):
/// VSTACK_PYTHON, else the repository's .venv. Tests that compare with Python are
/// skipped, saying so, only when neither exists.
enum PythonReference {
    static let root: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    static let interpreter: String? = {
        if let path = ProcessInfo.processInfo.environment["VSTACK_PYTHON"], !path.isEmpty {
            return FileManager.default.isExecutableFile(atPath: path) ? path : nil
        }
        let venv = root + "/.venv/bin/python"
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : nil
    }()

    static var available: Bool { interpreter != nil }
    static let missing: Comment = "no Python: set VSTACK_PYTHON or create .venv (make test does)"

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `script` with `input` on standard input (from a file) and returns its standard output.
    /// Output goes to temporary files, not pipes: Foundation's pipe reads on Linux can trap
    /// on EINTR when SIGCHLD arrives mid-read.
    static func run(_ script: String, input: String = "", arguments: [String] = []) throws -> String {
        guard let interpreter else { throw Failure(description: "no Python interpreter") }
        let dir = NSTemporaryDirectory() + "vstack-stores-tests-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let inPath = dir + "/in", outPath = dir + "/out", errPath = dir + "/err"
        _ = FileManager.default.createFile(atPath: inPath, contents: Data(input.utf8))
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: interpreter)
        p.arguments = ["-c", script] + arguments
        p.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: inPath))
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try p.run()
        p.waitUntilExit()
        let out = String(decoding: FileManager.default.contents(atPath: outPath) ?? Data(), as: UTF8.self)
        let err = String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self)
        guard p.terminationStatus == 0 else {
            throw Failure(description: "python exited \(p.terminationStatus): \(err)")
        }
        return out
    }
}

/// Hex text to bytes, for vectors written in hex.
func bytes(hex: String) -> [UInt8] {
    let digits = Array(hex.utf8)
    return stride(from: 0, to: digits.count - 1, by: 2).map {
        UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16)!
    }
}
