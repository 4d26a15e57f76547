import Testing
import Formats
import TestSupport

/// Every array the reference writers produced reads back exactly.
@Suite struct ConformanceTests {
    @Test func theMatrixWasGenerated() {
        let cases = ConformanceCase.all()
        #expect(cases.count >= 200, "expected the conformance matrix in \(Fixtures.root) (run `make test`)")
        let writers = Set(cases.map(\.writer))
        #expect(writers.isSuperset(of: ["zarr-python", "tensorstore"]), "writers: \(writers)")
        #expect(Set(cases.map(\.format)) == ["zarr2", "zarr3"])
    }

    @Test(arguments: ConformanceCase.all())
    func readsExactly(_ c: ConformanceCase) throws {
        let array = try Dataset.open(Fixtures.path(c.path))
        let m = array.metadata
        #expect(m.format == c.format)
        #expect(m.shape == c.shape)
        #expect(m.dataType.name == c.dtype)
        #expect(m.chunkShape == c.chunks)
        if let axes = c.axes { #expect(m.axisNames?.joined() == axes) } else { #expect(m.axisNames == nil) }
        let whole = try RegionReader.read(array, region: m.shape.map { 0..<$0 })
        let reference = try Fixtures.readNPY(c.reference)
        #expect(whole.shape == reference.shape)
        #expect(whole.dataType == reference.dataType)
        let bad = firstMismatch(whole, reference)
        #expect(
            bad == nil,
            "first mismatch at flat index \(bad ?? -1): read \(bad.map { whole.double(at: $0) } ?? 0), reference \(bad.map { reference.double(at: $0) } ?? 0)"
        )
    }

    /// A sub-region that starts and ends inside chunks equals the same slice of the reference.
    @Test(
        arguments: ConformanceCase.all().filter { $0.shape.count >= 2 }.enumerated().filter { $0.offset % 7 == 0 }.map(
            \.element))
    func readsRegionsAcrossChunkBorders(_ c: ConformanceCase) throws {
        let array = try Dataset.open(Fixtures.path(c.path))
        let region = c.shape.map { n in (n / 3)..<max(n / 3 + 1, n - n / 4) }
        let part = try RegionReader.read(array, region: region)
        let reference = try Fixtures.readNPY(c.reference)
        var strides = [Int](repeating: 1, count: c.shape.count)
        for d in stride(from: c.shape.count - 2, through: 0, by: -1) { strides[d] = strides[d + 1] * c.shape[d + 1] }
        var idx = region.map(\.lowerBound)
        var i = 0
        repeat {
            let flat = zip(idx, strides).map(*).reduce(0, +)
            let (a, b) = (part.double(at: i), reference.double(at: flat))
            #expect(a == b || (a.isNaN && b.isNaN), "at \(idx)")
            if a != b && !(a.isNaN && b.isNaN) { return }
            i += 1
            var d = idx.count - 1
            while d >= 0 {
                idx[d] += 1
                if idx[d] < region[d].upperBound { break }
                idx[d] = region[d].lowerBound
                d -= 1
            }
            if d < 0 { break }
        } while true
        #expect(i == part.count)
    }
}
