import Threads
import Testing
import Formats
@testable import Processing

/// Binding, toggling, stepping and halo planning of a pipeline (the numbers themselves
/// are checked against scipy/skimage in tests/python/test_filters.py).
@Suite struct PipelineTests {
    @Test func textRoundTripsAndTogglesChangeTheActiveStages() throws {
        var p = try Pipeline(" gaussian( sigma = 2 ) | threshold(otsu) |open(3)")
        #expect(p.text == "gaussian(sigma=2)|threshold(otsu)|open(3)")
        p.toggle(1)
        #expect(p.activeText == "gaussian(sigma=2)|open(3)")
        #expect(try p.operators(OperatorSetup()).count == 2)
        p.toggle(1)
        #expect(p.activeText == p.text)
        p.toggle(7)  // no such stage: nothing happens
        #expect(p.enabled == [true, true, true])
    }

    @Test func haloPlanAddsStagesFromTheEnd() throws {
        let ops = try Pipeline("gaussian(2)|median(5)|threshold(otsu)|open(3)").operators(OperatorSetup())
        let plan = HaloPlan(ops)
        // gaussian(2): radius int(4·2+0.5) = 8; median 5: 2; otsu: 0; open 3: 1 + 1.
        #expect(plan.margins.map(\.y) == [12, 4, 2, 2])
        #expect(plan.total == Extent(0, 12, 12))
        let deconv = try Pipeline("deconvolve(1.5,10)").operators(OperatorSetup())
        #expect(HaloPlan(deconv).total == Extent(0, 2 * 10 * 6, 2 * 10 * 6))
        let threeD = try Pipeline("gaussian(sigma=(1,2,2))|mip(5)").operators(OperatorSetup())
        #expect(HaloPlan(threeD).total == Extent(4 + 2, 8, 8))
    }

    @Test func tuplesFollowTheDisplayedAxes() throws {
        // A zx view (rows z, columns x) scrubbing y: (z, y, x) = (1, 2, 3) gives depth y = 2, rows z = 1, columns x = 3.
        let order = OperatorSetup.order(rows: "z", columns: "x", depth: "y")
        let op = try Pipeline("gaussian(sigma=(1,2,3))").operators(OperatorSetup(tupleOrder: order))[0] as! Gaussian
        #expect(op.sigma == Sigma(z: 2, y: 1, x: 3))
        #expect(OperatorSetup.order(rows: "y", columns: "x", depth: "z") == [0, 1, 2])
        #expect(OperatorSetup.order(rows: "a", columns: "b", depth: nil) == [0, 1, 2])
    }

    @Test func workingResolutionScalesSpatialParameters() throws {
        let ops = try Pipeline("gaussian(8)|median(7)|tophat(15)").operators(OperatorSetup(factor: 4))
        #expect((ops[0] as! Gaussian).sigma == Sigma(y: 2, x: 2))
        #expect((ops[1] as! Median).size == Extent(1, 3, 3))  // 7/4 → 2, kept odd → 3
        #expect((ops[2] as! WhiteTophat).size == Extent(1, 5, 5))  // 15/4 → 4 → 5
        #expect(PlaneFilter.workingFactor(rows: 2048, columns: 2048, maxWorkPixels: 4 << 20) == 1)
        #expect(PlaneFilter.workingFactor(rows: 4096, columns: 4096, maxWorkPixels: 4 << 20) == 2)
        #expect(PlaneFilter.workingFactor(rows: 10000, columns: 3000, maxWorkPixels: 4 << 20) == 3)
    }

    @Test func stepsTheFirstNumberOfTheLastActiveStage() throws {
        var p = try Pipeline("gaussian(2)|median")
        #expect(p.adjustLastStage(by: 1) == "median size=5")
        #expect(p.text == "gaussian(2)|median(5)")
        p.toggle(1)
        #expect(p.adjustLastStage(by: 1) == "gaussian sigma=2.5")
        #expect(p.adjustLastStage(by: -2) == "gaussian sigma=1.6")
        var t = try Pipeline("threshold(local,block=31)")
        #expect(t.adjustLastStage(by: -1) == "threshold block=29")
        var o = try Pipeline("threshold(otsu)")
        #expect(o.adjustLastStage(by: 1) == "no stage that is on has a number to adjust")
        // The nearest stage before it that has a number is adjusted (a person's expectation).
        var g = try Pipeline("gaussian(2)|threshold(otsu)")
        #expect(g.adjustLastStage(by: 1) == "gaussian sigma=2.5")
        #expect(g.text == "gaussian(2.5)|threshold(otsu)")
        var m = try Pipeline("median(1)")
        #expect(m.adjustLastStage(by: -1) == "median size=1")
        var inv = try Pipeline("invert")
        #expect(inv.adjustLastStage(by: 1) == "no stage that is on has a number to adjust")
    }

    @Test func otsuMatchesTheHistogramDefinition() {
        // Two groups: the first maximum of the between-class variance is the centre of the bin
        // below the one holding 12 (skimage.filters.threshold_otsu gives 11.855469 for this input).
        let values: [Float] = Array(repeating: 10, count: 50) + Array(repeating: 200, count: 50) + [12, 190]
        #expect(Otsu.threshold(values) == 11.855469)
        #expect(Otsu.threshold([5, 5, 5]) == 5)
        #expect(Otsu.threshold([.nan]) == nil)
    }

    @Test func kernelsAgreeWithDirectDefinitions() {
        // reflect: d c b a | a b c d | d c b a
        #expect((-4..<8).map { reflectIndex($0, 4) } == [3, 2, 1, 0, 0, 1, 2, 3, 3, 2, 1, 0])
        let v = FloatVolume(height: 1, width: 6, pixels: [3, 1, 4, 1, 5, 9])
        #expect(RunningExtremum.along(.x, v, size: 3, Maximum.self, threads: 1).pixels == [3, 4, 4, 5, 9, 9])
        #expect(RunningExtremum.along(.x, v, size: 7, Minimum.self, threads: 1).pixels == [1, 1, 1, 1, 1, 1])
        #expect(Correlate.along(.x, v, weights: [1, 0, -1], threads: 1).pixels == [2, -1, 0, -1, -8, -4] as [Float])
        let m = FloatVolume(height: 3, width: 3, pixels: [9, 1, 8, 2, 7, 3, 6, 4, 5])
        #expect(MedianFilter.median3x3(m, threads: 1).pixels[4] == 5)
        #expect(MedianFilter.select(m, size: Extent(1, 3, 3), threads: 1) == MedianFilter.median3x3(m, threads: 1))
    }
}

/// A filter at working factor f reads the coarsest pyramid level whose factor divides f.
@Suite struct FilterLevelTests {
    final class Plain: LazyArray, @unchecked Sendable {
        let metadata: ArrayMetadata
        init(_ shape: [Int]) {
            metadata = ArrayMetadata(
                format: "test", location: "test:", shape: shape, dataType: .uint16, chunkShape: shape,
                fillValue: .zero, axisNames: ["z", "y", "x"], codecs: [])
        }
        func readChunk(_ index: [Int], cancellation _: JobToken?) throws -> ArrayBuffer? { nil }
    }

    @Test func coarsestLevelDividingTheFactor() throws {
        let base = Plain([4, 800, 600])
        var levels = [PyramidLevel(single: base)]
        for f in [2.0, 4.0, 8.0] {
            levels.append(
                PyramidLevel(
                    array: Plain([4, Int(800 / f), Int(600 / f)]), path: "\(f)", factors: [1, f, f], offsets: [0, 0, 0])
            )
        }
        // A level downsampled in z is not used: 3-D halos would change meaning.
        levels.append(PyramidLevel(array: Plain([2, 50, 38]), path: "z", factors: [2, 16, 16], offsets: [0, 0, 0]))
        let view = try PlaneSelection(base.metadata)
        #expect(PlaneFilter.level(for: view, factor: 1, in: levels) == (0, 1))
        #expect(PlaneFilter.level(for: view, factor: 3, in: levels) == (0, 3))
        #expect(PlaneFilter.level(for: view, factor: 6, in: levels) == (1, 3))
        #expect(PlaneFilter.level(for: view, factor: 8, in: levels) == (3, 1))
        #expect(PlaneFilter.level(for: view, factor: 32, in: levels) == (3, 4))
    }
}
