import Testing
@testable import Formats

/// File-name patterns, natural order and the metadata parsers of the TIFF reader.
@Suite struct TiffNamingTests {
    @Test func seedPostPatternExtractsChannelAndStack() throws {
        let p = try FilePattern("raw/*_ch{c}_*_stack{t}_*.tif")
        #expect(p.directory == "raw")
        #expect(p.fields == ["c", "t"])
        let name = "ex6-2_CamA_ch1_CAM1_stack0012_560nm_0000000msec_0001291795msecAbs_000x_000y_000z_0000t.tif"
        #expect(p.match(name) == [1, 12])
        #expect(p.match("ex6-2_CamA_ch1_CAM1_stack0012_560nm.tiff") == nil)
        #expect(p.match("ex6-2_CamA_chX_CAM1_stack0012_560nm_.tif") == nil)
    }

    @Test func fieldsBacktrackOverDigitRuns() throws {
        // {z} must leave digits for the literal that follows.
        let p = try FilePattern("img{z}1.tif")
        #expect(p.match("img451.tif") == [45])
        #expect(p.match("img1.tif") == nil)
        #expect(try FilePattern("a?{t}.tif").match("aé7.tif") == [7])
    }

    @Test func patternErrorsAreOneLine() {
        #expect(throws: FormatError.self) { try FilePattern("raw/*/x_{c}.tif") }
        #expect(throws: FormatError.self) { try FilePattern("x_{c.tif") }
        #expect(throws: FormatError.self) { try FilePattern("x_{c}_{c}.tif") }
        #expect(throws: FormatError.self) { try FilePattern("x_{1}.tif") }
    }

    @Test func naturalOrderComparesNumbers() {
        let names = ["z10.tif", "z2.tif", "z1.tif", "z02.tif", "a.tif", "z1b.tif"]
        #expect(names.sorted(by: naturalOrder) == ["a.tif", "z1.tif", "z1b.tif", "z2.tif", "z02.tif", "z10.tif"])
    }

    @Test func imageJHyperstackAxesAndCalibration() {
        var page = TiffPageInfo(
            width: 4, height: 3, bitsPerSample: 16, sampleFormat: 1, samplesPerPixel: 1,
            planarSeparate: false, compression: 1, predictor: 1, photometric: 1, tiled: false,
            tileWidth: 0, tileLength: 0, rowsPerStrip: 3, description: nil,
            xResolution: 4, yResolution: 4, resolutionUnit: 1)
        page.description =
            "ImageJ=1.54f\nimages=24\nchannels=2\nslices=3\nframes=4\nhyperstack=true\nunit=micron\nspacing=2.5\n"
        let axes = TiffPageAxes.imageJ(page.description!, page)
        #expect(axes.names == ["t", "z", "c"] && axes.shape == [4, 3, 2])
        #expect(axes.scales["z"] == AxisScale(step: 2.5, unit: "µm"))
        #expect(axes.scales["x"] == AxisScale(step: 0.25, unit: "µm"))
        // An inconsistent header is a plain stack of `images` pages.
        let flat = TiffPageAxes.imageJ("ImageJ=1.54f\nimages=7\nslices=3\n", page)
        #expect(flat.names == ["z"] && flat.shape == [7])
    }

    @Test func omeDimensionOrderGivesAxesSlowestFirst() {
        let page = TiffPageInfo(
            width: 4, height: 3, bitsPerSample: 16, sampleFormat: 1, samplesPerPixel: 1,
            planarSeparate: false, compression: 1, predictor: 1, photometric: 1, tiled: false,
            tileWidth: 0, tileLength: 0, rowsPerStrip: 3, description: nil,
            xResolution: nil, yResolution: nil, resolutionUnit: 2)
        let xml =
            #"<?xml version="1.0"?><OME xmlns="x"><Image ID="Image:0"><ome:Pixels DimensionOrder="XYCZT" ID="Pixels:0" SizeC="2" SizeT="5" SizeX="4" SizeY="3" SizeZ="1" PhysicalSizeX="0.5" PhysicalSizeXUnit="nm" Type="uint16"></ome:Pixels></Image></OME>"#
        let axes = TiffPageAxes.ome(xml, page)
        #expect(axes?.names == ["t", "c"] && axes?.shape == [5, 2])
        #expect(axes?.scales["x"] == AxisScale(step: 0.5, unit: "nm"))
    }
}
