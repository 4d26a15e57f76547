import Foundation
import Testing
@testable import Formats
import TestSupport

/// BigDataViewer XML/HDF5 and Imaris (tests/fixtures/make_hdf5_fixtures.py): the 5-D
/// `t c z y x` pyramids read like their level datasets (BDV's int16 bits as uint16, Imaris
/// without the padding); the XML reader and timepoint patterns.
@Suite struct HDF5BDVImarisTests {
    /// The part of `array` at (t, c) as bytes of the inner region `inner`.
    func slab(_ array: LazyArray, t: Int, c: Int, inner: [Range<Int>], threads: Int = 1) throws -> [UInt8] {
        try RegionReader.read(array, region: [t..<(t + 1), c..<(c + 1)] + inner, threads: threads).bytes
    }

    @Test func bdvLevelsReadLikeTheirCells() throws {
        let image = try Dataset.open(Fixtures.path("hdf5/bdv.xml"))
        let m = image.metadata
        #expect(m.format == "bdv" && m.dataType == .uint16 && m.shape == [3, 2, 12, 40, 48])
        #expect(image.pyramid.map(\.factors) == [[1, 1, 1, 1, 1], [1, 1, 1, 2, 2], [1, 1, 2, 4, 4]])
        for (level, p) in image.pyramid.enumerated() {
            for (t, c) in [(0, 0), (2, 1), (1, 0)] {
                let cells = try HDF5Array.open(
                    file: Fixtures.path("hdf5/bdv.h5"), dataset: "t0000\(t)/s0\(c)/\(level)/cells", location: "cells")
                #expect(cells.metadata.dataType == .int16)
                let inner = cells.metadata.shape.map { 0..<$0 }
                let want = try RegionReader.read(cells, region: inner).bytes
                #expect(try slab(p.array, t: t, c: c, inner: inner, threads: 4) == want, "level \(level) t \(t) c \(c)")
            }
        }
    }

    @Test func bdvMissingViewIsZeros() throws {
        let image = try Dataset.open(Fixtures.path("hdf5/bdv-missing.xml"))
        #expect(image.metadata.warnings.count == 1)
        let inner = Array(image.metadata.shape.dropFirst(2)).map { 0..<$0 }
        #expect(try slab(image, t: 1, c: 1, inner: inner).allSatisfy { $0 == 0 })
        #expect(try slab(image, t: 1, c: 0, inner: inner).contains { $0 != 0 })
    }

    @Test func imarisHidesThePadding() throws {
        let image = try Dataset.open(Fixtures.path("hdf5/imaris.ims"))
        #expect(image.metadata.format == "imaris" && image.metadata.shape == [2, 2, 9, 37, 50])
        #expect(image.metadata.channels?.map(\.color) == ["FF0000", "00FF80"])
        for (level, p) in image.pyramid.enumerated() {
            let shape = Array(p.array.metadata.shape.dropFirst(2))
            let data = try HDF5Array.open(
                file: Fixtures.path("hdf5/imaris.ims"),
                dataset: "DataSet/ResolutionLevel \(level)/TimePoint 1/Channel 1/Data", location: "data")
            #expect(zip(data.metadata.shape, shape).allSatisfy { $0 >= $1 })
            let inner = shape.map { 0..<$0 }
            let want = try RegionReader.read(data, region: inner).bytes
            #expect(try slab(p.array, t: 1, c: 1, inner: inner, threads: 4) == want, "level \(level)")
        }
    }

    @Test func xmlElementsAttributesAndText() throws {
        let text = """
            <?xml version="1.0"?>
            <!-- a comment --><SpimData a='1' b="x &amp; y">
              <one>  text &lt;here&gt; &#65;&#x42; </one>
              <empty k="v"/>
              <two><![CDATA[<raw>]]></two><one>second</one>
            </SpimData>
            """
        let root = try XMLNode.parse(Array(text.utf8))
        #expect(root.name == "SpimData" && root.attributes == ["a": "1", "b": "x & y"])
        #expect(root.value("one") == "text <here> AB" && root.all("one").count == 2)
        #expect(root.child("empty")?.attributes["k"] == "v" && root.value("two") == "<raw>")
        #expect(throws: FormatError.self) { try XMLNode.parse(Array("<a><b></a>".utf8)) }
        #expect(throws: FormatError.self) { try XMLNode.parse(Array("<a>".utf8)) }
    }

    @Test func timepointPatterns() throws {
        func tps(_ xml: String) throws -> [Int] { try BigDataViewerImage.timepoints(XMLNode.parse(Array(xml.utf8))) }
        #expect(try tps("<Timepoints type=\"range\"><first>2</first><last>4</last></Timepoints>") == [2, 3, 4])
        #expect(
            try tps("<Timepoints type=\"pattern\"><integerpattern>0-10:5, 12</integerpattern></Timepoints>") == [
                0, 5, 10, 12,
            ])
        #expect(try tps("<Timepoints type=\"list\"><integerpattern>3, 1</integerpattern></Timepoints>") == [1, 3])
        #expect(try BigDataViewerImage.timepoints(nil) == [0])
        #expect(throws: FormatError.self) {
            try tps("<Timepoints type=\"range\"><first>4</first><last>2</last></Timepoints>")
        }
    }
}
