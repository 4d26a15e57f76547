import Testing
import ArrayModel
@testable import Processing

/// A pipeline that cannot run on a view fails with a kind, rendered by `ErrorLine` as the line
/// the CLI prints after `--filter: ` (tests/python/test_filters.py checks the whole message).
@Suite struct FilterErrorTests {
    @Test func filterErrorsAreKinds() {
        #expect(
            ErrorLine.text(FilterError.needsDepthAxis(pipeline: "gaussian((1,1,1))"))
                == "gaussian((1,1,1)): a 3-D stage needs a third axis, and this view has none")
        #expect(
            FilterError.tooMuchWork(stage: "median(99)", operations: 2.5e12, rows: 10, columns: 20).description
                .hasPrefix("median(99): about 2.5e+12 operations on the 10x20 region shown (at most 1e10"))
    }
}
