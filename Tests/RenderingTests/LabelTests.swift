import Testing
import ArrayModel
@testable import Rendering

@Suite struct LabelTests {
    func meta(_ shape: [Int], names: [String]?, scales: [AxisScale?]? = nil, type: DataType = .uint32) -> ArrayMetadata
    {
        ArrayMetadata(
            format: "test", location: "labels:", shape: shape, dataType: type, chunkShape: shape, fillValue: .zero,
            axisNames: names, codecs: [], scales: scales)
    }

    /// Labels written at half the resolution line up through the scales: the view's
    /// ranges and indices are halved.
    @Test func labelsAtACoarserScaleMapThroughTheScales() throws {
        let um = { (s: Double) in AxisScale(step: s, unit: "micrometer") }
        let image = meta([4, 200, 240], names: ["z", "y", "x"], scales: [um(2), um(0.4), um(0.4)])
        let labels = meta([4, 100, 120], names: ["z", "y", "x"], scales: [um(2), um(0.8), um(0.8)])
        let a = try LabelAlignment(image: image, imageNames: ["z", "y", "x"], labels: labels, what: "l")
        let view = PlaneSelection(
            axisNames: ["z", "y", "x"], rowAxis: 1, columnAxis: 2, indices: [3, 0, 0], rows: 20..<61, columns: 0..<240)
        let v = try #require(a.view(for: view))
        #expect(v.indices[0] == 3 && v.rows == 10..<31 && v.columns == 0..<120)
    }

    /// Unnamed zyx labels under a czyx image follow by position from the end; a singleton
    /// axis the image lacks is allowed, one of another extent is not.
    @Test func axesFollowByPositionAndSingletons() throws {
        let image = meta([2, 5, 30, 40], names: nil)
        let a = try LabelAlignment(
            image: image, imageNames: ["c", "z", "y", "x"], labels: meta([5, 30, 40], names: nil), what: "l")
        let view = PlaneSelection(
            axisNames: ["c", "z", "y", "x"], rowAxis: 2, columnAxis: 3, indices: [1, 4, 0, 0], rows: 0..<30,
            columns: 0..<40)
        #expect(a.view(for: view)?.indices == [4, 0, 0])
        _ = try LabelAlignment(
            image: image, imageNames: ["c", "z", "y", "x"], labels: meta([1, 5, 30, 40], names: nil), what: "l")
        #expect(throws: DatasetError.self) {
            try LabelAlignment(
                image: image, imageNames: ["c", "z", "y", "x"], labels: meta([5, 31, 40], names: nil), what: "l")
        }
        #expect(throws: DatasetError.self) {
            try LabelAlignment(
                image: image, imageNames: ["c", "z", "y", "x"], labels: meta([5, 30, 40], names: nil, type: .float32),
                what: "l")
        }
    }

    /// A block's most frequent non-zero id wins, the smaller on a tie, 0 only for all-background blocks.
    @Test func modeSamplingNeverInventsIDs() {
        let ids: [UInt64] = [
            0, 0, 5, 9,
            0, 7, 9, 5,
            0, 0, 0, 0,
            0, 0, 0, 0,
        ]
        let out = LabelSampler.sample(ids, width: 4, height: 4, to: 2, 2, mode: .mode)
        #expect(out.ids == [7, 5, 0, 0])
        #expect(LabelSampler.sample(ids, width: 4, height: 4, to: 2, 2, mode: .nearest).ids == [0, 5, 0, 0])
    }

    /// Signed ids keep their bit pattern; bool is id 1.
    @Test func idsOfEveryType() {
        let signed = ArrayBuffer(dataType: .int16, shape: [2], bytes: [0xFF, 0xFF, 0x03, 0x00])
        #expect(signed.labelIDs() == [UInt64.max, 3])
        #expect(ArrayBuffer(dataType: .bool, shape: [3], bytes: [0, 1, 2]).labelIDs() == [0, 1, 1])
    }

    /// Ids one apart get palette entries far apart (Fibonacci hashing).
    @Test func neighbouringIDsLookDifferent() {
        for id in UInt64(1)..<5000 {
            let d = (LabelPalette.index(of: id + 1) - LabelPalette.index(of: id) + 256) % 256
            #expect(d == 158 || d == 159, "ids \(id), \(id + 1)")
        }
    }
}
