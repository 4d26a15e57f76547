import Testing
import Formats
import TestSupport

/// Damaged datasets fail with one clear line, at open or when the bad chunk is read.
@Suite struct ErrorTests {
    @Test func errorFixturesWereGenerated() {
        let kinds = Set(ErrorCase.all().map(\.kind))
        #expect(
            kinds == [
                "missing_path", "group", "malformed_json", "unknown_codec", "truncated_chunk", "crc32c_mismatch",
                "wrong_size", "not_zarr",
            ])
    }

    @Test(arguments: ErrorCase.all())
    func failsWithAClearMessage(_ e: ErrorCase) throws {
        let location = Fixtures.path(e.path)
        let error: DatasetError? = {
            do {
                let array = try Dataset.open(location)
                guard let chunk = e.chunk else { return nil }
                _ = try array.readChunk(chunk)
                return nil
            } catch let error as DatasetError {
                return error
            } catch {
                Issue.record("not a DatasetError: \(error)")
                return nil
            }
        }()
        let message = try #require(error).description
        #expect(message.hasPrefix(location + ": "), "\(message)")
        #expect(!message.contains("\n"))
        for fragment in e.expectedFragments {
            #expect(message.contains(fragment), "'\(message)' lacks '\(fragment)'")
        }
        if e.kind == "group" { #expect(message.contains("open one: \(location)/0")) }
        if let chunk = e.chunk, e.kind != "missing_path" {
            // The message names the chunk (v2 `i.j.k` / v3 `c/i/j/k` keys, or shard and inner chunk).
            let named =
                message.contains(chunk.map(String.init).joined(separator: "."))
                || message.contains(chunk.map(String.init).joined(separator: "/"))
                || message.contains(chunk.map(String.init).joined(separator: ","))
            #expect(named, "'\(message)' does not name chunk \(chunk)")
        }
    }
}
