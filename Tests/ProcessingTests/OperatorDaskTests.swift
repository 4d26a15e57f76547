import Testing
@testable import Processing

/// Each operator carries its own Python for `export --script dask` (tests/python/test_dask_script.py
/// runs the scripts against scipy and skimage): here, that every operator has it, and that what a
/// stage writes follows its bound arguments and halo.
@Suite struct OperatorDaskTests {
    func code(_ text: String, depth: Bool = false, last: Bool = false) throws -> DaskStage {
        let stage = try #require(
            try Pipeline(text).boundStages(OperatorSetup(), kind: .integer(min: 0, max: 65535)).first)
        let context = DaskStageContext(
            stage: stage, hasDepth: depth, maskType: last ? "np.uint8" : "np.float32", dataType: .uint16)
        return try #require(OperatorCatalog.spec(named: stage.name)?.dask?(context))
    }

    @Test func everyOperatorHasPython() {
        #expect(OperatorCatalog.all.filter { $0.dask == nil }.map(\.name) == [])
    }

    @Test func aStageWritesItsArgumentsAndHalo() throws {
        let sobel = try code("sobel")
        #expect(sobel.body.contains("{ROW_AXIS: 1, COL_AXIS: 1})") && sobel.modules == [.scipyNdimage])
        let erode = try code("erode((3,5,7))", depth: true)
        #expect(erode.body.contains("per_axis(x.ndim, depth=3, rows=5, cols=7, fill=1)"))
        #expect(erode.body.contains("{DEPTH_AXIS: 1, ROW_AXIS: 2, COL_AXIS: 3}"))
        let gaussian = try code("gaussian(1.5)")
        #expect(
            gaussian.body.contains("sigma=per_axis(x.ndim, rows=1.5, cols=1.5)")
                && gaussian.modules == [.daskImageFilters])
        #expect(try code("threshold(otsu)", last: true).body.contains("dtype=np.uint8"))
        #expect(try code("threshold(otsu)").modules == [.daskImageFilters, .skimageFilters])
        #expect(try code("invert").body.contains("np.float32(65535) - x"))
        let deconvolve = try code("deconvolve(1)")
        #expect(deconvolve.after?.contains("def gaussian_psf(sigma):") == true)
    }
}
