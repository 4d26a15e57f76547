import Testing
@testable import Processing

/// `--filter` text → stages, and the exact one-line errors for bad pipelines.
@Suite struct PipelineSyntaxTests {
    static let names = [
        "gaussian", "median", "uniform", "minimum", "maximum", "sobel", "laplace", "log", "dog",
        "unsharp", "threshold", "erode", "dilate", "open", "close", "tophat", "invert", "gamma",
        "logscale", "clip", "deconvolve", "mip",
    ]

    func parse(_ text: String) throws -> [PipelineStage] { try PipelineParser.parse(text, operators: Self.names) }

    func error(_ text: String) -> String? {
        do {
            _ = try parse(text)
            return nil
        } catch let e as PipelineSyntaxError {
            return e.message
        } catch {
            return "\(error)"
        }
    }

    @Test func positionalNamedAndTuples() throws {
        let stages = try parse("gaussian(2)|threshold(otsu)")
        #expect(stages.map(\.name) == ["gaussian", "threshold"])
        #expect(stages[0].arguments == [PipelineArgument(name: nil, value: .number(2), column: 10)])
        #expect(stages[1].arguments[0].value == .word("otsu"))
        #expect(stages[1].column == 13)

        let named = try parse(" gaussian( sigma = (1, 2,2.5) ) | threshold(local, block=31) | invert ")
        #expect(named[0].arguments == [PipelineArgument(name: "sigma", value: .tuple([1, 2, 2.5]), column: 12)])
        #expect(named[1].arguments.map(\.name) == [nil, "block"])
        #expect(named[1].arguments[1].value == .number(31))
        #expect(named[2] == PipelineStage(name: "invert", arguments: [], column: 64))
        #expect(try parse("clip(-1.5e2, 3)")[0].arguments.map(\.value) == [.number(-150), .number(3)])
        #expect(try parse("sobel()")[0].arguments.isEmpty)
    }

    @Test func errorsNameTheTextAndColumn() {
        #expect(error("gausian(2)") == "unknown operator 'gausian' at column 1 (did you mean gaussian?)")
        #expect(error("gaussian(2)|tresh(otsu)") == "unknown operator 'tresh' at column 13")
        #expect(
            error("gaussian(2)|threshhold(otsu)")
                == "unknown operator 'threshhold' at column 13 (did you mean threshold?)")
        #expect(error("") == "empty pipeline")
        #expect(error("gaussian(2") == "missing ')' at column 11")
        #expect(error("gaussian(2 3)") == "expected ',' or ')' at column 12, found '3'")
        #expect(error("gaussian(2)|") == "expected an operator name at column 13, found the end")
        #expect(error("gaussian(2) median(3)") == "expected '|' or the end at column 13, found 'm'")
        #expect(error("gaussian(sigma=)") == "expected a value at column 16, found ')'")
        #expect(error("gaussian(sigma=(1,,2))") == "expected a number at column 19, found ','")
        #expect(error("gaussian(sigma=1, sigma=2)") == "argument 'sigma' given twice at column 19")
        #expect(error("|gaussian") == "expected an operator name at column 1, found '|'")
    }

    @Test func closestNameNeedsToBeClose() {
        #expect(PipelineParser.closest(to: "medain", in: Self.names) == "median")
        #expect(PipelineParser.closest(to: "xyz", in: Self.names) == nil)
        #expect(PipelineParser.editDistance("", "abc") == 3)
        #expect(PipelineParser.editDistance("kitten", "sitting") == 3)
    }
}
