import Foundation
import Testing
import Formats
import Stores
import TestSupport
import Threads

/// The fixtures served by a real nginx on loopback read exactly like the local files,
/// and vstack asks the server for nothing but GET and HEAD.
@Suite(.serialized) struct RemoteConformanceTests {
    /// One nginx for the suite, serving the fixture directory.
    static let server: Result<NginxServer, Error> = Result { try NginxServer(root: Fixtures.root) }

    func url(_ relative: String) throws -> String { try Self.server.get().baseURL + "/" + relative }

    @Test(arguments: ConformanceCase.all())
    func readsExactlyOverHTTP(_ c: ConformanceCase) throws {
        let array = try Dataset.open(try url(c.path))
        let m = array.metadata
        #expect(m.format == c.format)
        #expect(m.shape == c.shape)
        #expect(m.chunkShape == c.chunks)
        let whole = try RegionReader.read(array, region: m.shape.map { 0..<$0 }, threads: 8)
        let reference = try Fixtures.readNPY(c.reference)
        #expect(whole.shape == reference.shape)
        let bad = firstMismatch(whole, reference)
        #expect(bad == nil, "first mismatch at flat index \(bad ?? -1)")
    }

    /// A chunk read for a job whose token is cancelled is given up at the store: the request to
    /// the server is aborted with `StoreError.cancelled`. The same read for no job reads the chunk.
    @Test(arguments: ConformanceCase.all())
    func cancelledReadsAreAbortedOverHTTP(_ c: ConformanceCase) throws {
        let array = try Dataset.open(try url(c.path))
        let local = try Dataset.open(Fixtures.path(c.path))
        // A chunk with data (an absent chunk, or one a cached shard index says is absent, asks nothing).
        let grid = zip(array.metadata.shape, array.metadata.chunkShape).map { ($0 + $1 - 1) / $1 }
        var index = [Int](repeating: 0, count: grid.count)
        while try local.readChunk(index) == nil {
            guard let d = index.indices.last(where: { index[$0] + 1 < grid[$0] }) else {
                Issue.record("\(c): no chunk has data")
                return
            }
            index[d] += 1
            for e in (d + 1)..<index.count { index[e] = 0 }
        }
        let token = JobToken()
        token.cancel()
        let error = #expect(throws: DatasetError.self) { try array.readChunk(index, cancellation: token) }
        #expect(
            "\(error.map { "\($0)" } ?? "")".contains("cancelled (no longer needed)"),
            "\(c): \(error.map { "\($0)" } ?? "")")
        #expect(try array.readChunk(index, cancellation: JobToken())?.bytes == local.readChunk(index)?.bytes, "\(c)")
    }

    /// A TIFF's chunk read for a cancelled job (libtiff's reads through its handle) is aborted
    /// the same way; the handle, back in its pool, reads the chunk for no job afterwards.
    @Test func cancelledTiffReadsAreAbortedOverHTTP() throws {
        let array = try Dataset.open(try url("tiff/large_page_strips.tif"))
        let local = try Dataset.open(Fixtures.path("tiff/large_page_strips.tif"))
        let rows = (array.metadata.shape[0] + array.metadata.chunkShape[0] - 1) / array.metadata.chunkShape[0]
        let index = [rows - 1] + [Int](repeating: 0, count: array.metadata.shape.count - 1)
        let token = JobToken()
        token.cancel()
        let error = #expect(throws: DatasetError.self) { try array.readChunk(index, cancellation: token) }
        #expect(
            "\(error.map { "\($0)" } ?? "")".contains("cancelled (no longer needed)"), "\(error.map { "\($0)" } ?? "")")
        #expect(try array.readChunk(index)?.bytes == local.readChunk(index)?.bytes)
    }

    @Test func omeZarrLevelsReadLikeLocal() throws {
        for name in ["ngff-0.4.ome.zarr", "ngff-0.5.ome.zarr", "omezarrpy-0.4.ome.zarr", "omezarrpy-0.5.ome.zarr"] {
            let local = try Dataset.open(Fixtures.path("ome/" + name))
            let remote = try Dataset.open(try url("ome/" + name))
            #expect(remote.metadata.levels == local.metadata.levels, "\(name)")
            #expect(remote.metadata.axisNames == local.metadata.axisNames, "\(name)")
            for (l, r) in zip(local.pyramid, remote.pyramid) {
                let region = l.array.metadata.shape.map { 0..<$0 }
                let a = try RegionReader.read(l.array, region: region)
                let b = try RegionReader.read(r.array, region: region, threads: 8)
                #expect(firstMismatch(a, b) == nil, "\(name) level \(l.path)")
            }
        }
    }

    @Test func onlyGetAndHeadAndRangesForShards() throws {
        let server = try Self.server.get()
        let shard = try #require(ConformanceCase.all().first { $0.shardShape != nil })
        let array = try Dataset.open(try url(shard.path))
        _ = try RegionReader.read(array, region: array.metadata.shape.map { 0..<$0 })
        let log = server.accessLog()
        #expect(!log.isEmpty)
        #expect(log.allSatisfy { $0.method == "GET" || $0.method == "HEAD" }, "\(Set(log.map(\.method)))")
        let metadata: Set<String> = ["zarr.json", ".zarray", ".zgroup", ".zattrs", ".zmetadata"]
        let shardReads = log.filter {
            $0.uri.hasPrefix("/" + shard.path + "/")
                && !metadata.contains(String($0.uri.split(separator: "/").last ?? ""))
        }
        #expect(
            !shardReads.isEmpty && shardReads.allSatisfy { $0.status == 206 && $0.range.hasPrefix("bytes=") },
            "\(shardReads.prefix(4))")
    }

    /// Every TIFF fixture over HTTP (libtiff reading through ranged requests and a block
    /// cache) reads like the local file; those that fail locally fail the same way.
    @Test func tiffFilesReadLikeLocal() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Fixtures.path("tiff")).filter {
            $0.hasSuffix(".tif")
        }.sorted()
        #expect(names.count >= 20)
        for name in names {
            let local: LazyArray
            do { local = try Dataset.open(Fixtures.path("tiff/" + name)) } catch {
                let remote = #expect(throws: DatasetError.self) { try Dataset.open(try url("tiff/" + name)) }
                #expect(
                    remote.map { "\($0)".components(separatedBy: ": ").dropFirst().joined() }
                        == "\(error)".components(separatedBy: ": ").dropFirst().joined(), "\(name)")
                continue
            }
            let remote = try Dataset.open(try url("tiff/" + name))
            #expect(
                remote.metadata.shape == local.metadata.shape && remote.metadata.axisNames == local.metadata.axisNames,
                "\(name)")
            let region = local.metadata.shape.map { 0..<$0 }
            let a = Result { try RegionReader.read(local, region: region) }
            let b = Result { try RegionReader.read(remote, region: region, threads: 8) }
            switch (a, b) {
            case let (.success(x), .success(y)): #expect(firstMismatch(x, y) == nil, "\(name)")
            case (.failure, .failure): break  // a corrupt page: an error both ways
            default: Issue.record("\(name): local \(a), remote \(b)")
            }
        }
    }

    /// With consolidated metadata (v2 `.zmetadata`, v3 `consolidated_metadata`, which the
    /// writers of these fixtures add), opening asks for the root's documents only, all at once:
    /// the levels' metadata comes from it.
    @Test func consolidatedMetadataOpensInOneRoundTrip() throws {
        let server = try Self.server.get()
        for name in ["ngff-0.4.ome.zarr", "ngff-0.5.ome.zarr"] {
            let before = server.accessLog().count
            // `localhost`, not 127.0.0.1: URLs no other test opened, so nothing is known yet.
            let image = try Dataset.open("http://localhost:\(server.port)/ome/" + name)
            #expect(image.metadata.levels == (try Dataset.open(Fixtures.path("ome/" + name))).metadata.levels)
            let asked = server.accessLog().dropFirst(before).map(\.uri)
            #expect(!asked.isEmpty && asked.allSatisfy { $0.split(separator: "/").count == 3 }, "\(name): \(asked)")
        }
    }

    @Test func missingChunksAreTheFillValueAndMissingDatasetsOneLine() throws {
        // A chunk key the server does not have (404) is the fill value, like a missing file.
        let missing = try #require(ConformanceCase.all().first { $0.name.contains("missing") })
        let array = try Dataset.open(try url(missing.path))
        let whole = try RegionReader.read(array, region: array.metadata.shape.map { 0..<$0 })
        #expect(firstMismatch(whole, try Fixtures.readNPY(missing.reference)) == nil)
        let error = #expect(throws: DatasetError.self) { try Dataset.open(try url("zarr/no-such.zarr")) }
        #expect("\(error.map { "\($0)" } ?? "")".contains("no Zarr metadata"))
    }
}
