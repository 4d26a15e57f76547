import Foundation
import Testing
import Formats

@Suite struct CLITests {
    @Test func binaryExists() {
        #expect(FileManager.default.isExecutableFile(atPath: VStack.binary), "build first: \(VStack.binary)")
    }

    @Test func infoJSONOnTheSyntheticDataset() throws {
        let r = try VStack.run(["info", "demo:", "--json"])
        #expect(r.status == 0)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(obj["format"] as? String == "synthetic")
        #expect((obj["shape"] as? [Int]) == [3, 199, 201, 1024, 768])
        #expect(obj["dtype"] as? String == "uint16")
        #expect(obj["axes"] as? String == "ctzyx")
        #expect((obj["bytes"] as? NSNumber)?.stringValue == "188738961408")  // 3·199·201·1024·768·2
        #expect((obj["levels"] as? [[Int]]) == [[3, 199, 201, 1024, 768]])
    }

    @Test func demoInfoFlag() throws {
        let r = try VStack.run(["demo", "--info"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("(3, 199, 201, 1024, 768)"))
        #expect(r.stdout.contains("ctzyx"))
    }

    /// Each damaged fixture: exit 1, exactly one stderr line `vstack: PATH: …`, no crash.
    @Test func damagedDatasetsFailWithOneLine() throws {
        guard let data = FileManager.default.contents(atPath: VStack.fixtures + "/zarr/errors.json"),
            let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]]
        else {
            Issue.record("no error fixtures in \(VStack.fixtures) (run `make test`)")
            return
        }
        #expect(list.count >= 10)
        for e in list {
            let path = VStack.fixtures + "/" + (e["path"] as? String ?? "")
            let kind = e["kind"] as? String ?? ""
            var args = ["info", path]
            if let chunk = (e["chunk"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }) {
                // Export the plane through the damaged chunk: index its first leading-axis position.
                let array = try Dataset.open(path)
                let c = array.metadata.chunkShape
                let at = chunk.count > 2 ? ["--at", "0=\(chunk[0] * c[0])"] : []
                args = ["export", path, "-o", VStack.tempPath("bad.npy")] + at
            }
            let r = try VStack.run(args)
            #expect(r.status == 1, "\(kind) \(path): status \(r.status), stderr \(r.stderr)")
            #expect(r.stderrLines.count == 1, "\(kind): \(r.stderr)")
            #expect(r.stderr.hasPrefix("vstack: \(path): "), "\(kind): \(r.stderr)")
            #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Stack dump"))
        }
    }

    @Test(arguments: [
        (["info"], "Missing expected argument"),
        (["export", "demo:", "-o", "x.png"], "must end in .npy"),
        (["export", "demo:", "--at", "q=3", "-o", "/tmp/x.npy"], "--at: no axis 'q' (axes are ctzyx)"),
        (["export", "demo:", "--at", "z=500", "-o", "/tmp/x.npy"], "--at z=500: index out of range 0..200"),
        (["export", "demo:", "--region", "0:10", "-o", "/tmp/x.npy"], "--region '0:10': expected Y0:Y1,X0:X1"),
        (["export", "demo:", "--region", "10:5,0:4", "-o", "/tmp/x.npy"], "not a non-empty range inside 0:1024"),
        (["export", "demo:", "--display", "y", "-o", "/tmp/x.npy"], "expected two axes"),
        (["info", "demo:", "--axes", "zyx"], "--axes 'zyx' names 3 axes but the array has 5"),
        (["info", "demo:", "--bogus"], "Unknown option '--bogus'"),
    ])
    func usageErrorsExitTwo(_ args: [String], _ fragment: String) throws {
        let r = try VStack.run(args)
        #expect(r.status == 2, "\(args): \(r.stderr)")
        #expect(r.stderrLines.count == 1, "\(args): \(r.stderr)")
        #expect(r.stderr.hasPrefix("vstack: ") && r.stderr.contains(fragment), "\(args): \(r.stderr)")
    }

    /// A view option that does not fit the dataset names the dataset, as its other errors do.
    @Test(arguments: [
        (["--at", "q=3"], "--at: no axis 'q' (axes are zyx)"),
        (["--at", "z=48"], "--at z=48: index out of range 0..47"),
        (["--region", "0:5"], "--region '0:5': expected Y0:Y1,X0:X1"),
        (["--region", "0:10,0:121"], "--region: '0:121' is not a non-empty range inside 0:120"),
    ])
    func viewOptionErrorsNameTheDataset(_ options: [String], _ message: String) throws {
        let path = VStack.fixtures + "/slab/v2-raw-uint16.zarr"
        for command in ["export", "render"] {
            let r = try VStack.run(
                [command, path] + options + ["-o", VStack.tempPath("at." + (command == "export" ? "npy" : "png"))])
            #expect(r.status == 2, "\(options): \(r.stderr)")
            #expect(r.stderr == "vstack: \(path): \(message)\n", "\(options)")
        }
    }

    @Test func exportRefusesToWriteIntoTheDataset() throws {
        let cases = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: VStack.fixtures + "/zarr/manifest.json"))) as? [String: Any]
        )
        let first = try #require((cases["cases"] as? [[String: Any]])?.first)
        let path = VStack.fixtures + "/" + (first["path"] as! String)
        let before = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        let r = try VStack.run(["export", path, "-o", path + "/plane.npy"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("never writes to a dataset"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: path).sorted() == before)
    }

    /// Export through a small cache: the same plane, every chunk decoded once, the budget kept.
    @Test func exportThroughASmallCache() throws {
        let (a, b) = (VStack.tempPath("cache-a.npy"), VStack.tempPath("cache-b.npy"))
        let big = try VStack.run(["export", "demo:", "--at", "c=1,t=3,z=7", "-o", a])
        let small = try VStack.run(["export", "demo:", "--at", "c=1,t=3,z=7", "--cache", "1MiB", "--stats", "-o", b])
        #expect(big.status == 0 && small.status == 0, "\(small.stderr)")
        #expect(FileManager.default.contents(atPath: a) == FileManager.default.contents(atPath: b))
        let stats = try #require(try JSONSerialization.jsonObject(with: Data(small.stderr.utf8)) as? [String: Any])
        // 1024×768 in 256×256 chunks: 12 chunks of 128 KiB, more than fit in 1 MiB.
        #expect(stats["loads"] as? Int == 12)
        #expect(stats["budget"] as? Int == 1 << 20)
        #expect((stats["used_bytes"] as? Int ?? .max) <= 1 << 20)
        #expect((stats["evictions"] as? Int ?? 0) > 0)
        let bad = try VStack.run(["export", "demo:", "--cache", "lots", "-o", a])
        #expect(bad.status == 2 && bad.stderr.contains("--cache 'lots'"))
    }

    /// `bench scrub` on slow synthetic storage reports the documented keys, and prefetch
    /// (the only thing that can make frames ready before they are asked for) shows up.
    @Test func benchScrubReportsOnTimeFramesAndLatency() throws {
        let r = try VStack.run([
            "bench", "scrub", "demo:?latency=20ms", "--steps", "12", "--rate", "20",
            "--at", "c=0,t=0,z=0", "--json",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        for key in ["frames", "on_time_fraction", "p50_ms", "p99_ms", "peak_rss_bytes", "prefetch_hits", "bytes_read"] {
            #expect(json[key] != nil, "missing \(key)")
        }
        #expect(json["frames"] as? Int == 12)
        #expect((json["prefetch_hits"] as? Int ?? 0) > 0)
        #expect((json["p50_ms"] as? Double ?? 0) > 0 && (json["peak_rss_bytes"] as? Int ?? 0) > 1 << 20)
        let off = try VStack.run([
            "bench", "scrub", "demo:?latency=20ms", "--steps", "8", "--rate", "20",
            "--no-prefetch", "--json",
        ])
        let offJSON = try #require(try JSONSerialization.jsonObject(with: Data(off.stdout.utf8)) as? [String: Any])
        #expect(offJSON["prefetch_hits"] as? Int == 0 && offJSON["on_time_fraction"] as? Double == 0)
    }

    @Test func benchPlaneReportsTheFirstFrame() throws {
        let r = try VStack.run(["bench", "plane", "demo:", "--at", "c=2,t=1,z=5", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect((json["first_frame_ms"] as? Double ?? 0) > 0)
        #expect(json["visible_chunks"] as? Int == 12)
    }

    @Test(arguments: [
        ("demo:?latency=fast", "latency 'fast'"), ("demo:?speed=1", "unknown synthetic option 'speed'"),
        ("demo:?chunks=1,2", "five positive sizes"),
    ])
    func badSyntheticOptions(_ location: String, _ message: String) throws {
        let r = try VStack.run(["info", location])
        #expect(r.status == 1 && r.stderrLines.count == 1 && r.stderr.contains(message), "\(r.stderr)")
    }

    @Test func helpExitsZero() throws {
        let r = try VStack.run(["--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("info") && r.stdout.contains("export") && r.stdout.contains("demo"))
    }
}
