import Foundation
import Testing
@testable import Formats
import Codecs
import Stores

/// One function renders every error as the line a person reads (`ErrorLine.text`); the errors
/// beneath stay values a caller can switch on.
@Suite struct ErrorLineTests {
    @Test func anErrorIsItsDescriptionOnOneLine() {
        let codec = CodecError.sizeMismatch(codec: "lz4", decoded: 3, expected: 4)
        #expect(ErrorLine.text(codec) == "lz4: decodes to 3 bytes, expected 4")
        #expect(ErrorLine.text(FormatError.invalid("two\nlines")) == "two lines")
        #expect(ErrorLine.text(codec, context: "labels nuclei") == "labels nuclei: lz4: decodes to 3 bytes, expected 4")
        // An error without a description: Swift's rendering of it, still one line.
        struct Plain: Error { let code = 3 }
        #expect(ErrorLine.text(Plain()) == "Plain(code: 3)")
    }

    @Test func wrappersKeepTheirCause() {
        let store = StoreError.cannotRead(path: "/d/0", reason: "Input/output error")
        let dataset = DatasetError("/d", store)
        #expect(dataset.underlying as? StoreError == store)
        #expect(ErrorLine.text(dataset) == "/d: cannot read /d/0: Input/output error")
        let within = FormatError.within("BigDataViewer HDF5 file x.h5", underlying: store)
        #expect(ErrorLine.text(within) == "BigDataViewer HDF5 file x.h5: cannot read /d/0: Input/output error")
        guard case .within(_, let cause) = within else { return }
        #expect(cause as? StoreError == store)
    }

    @Test func s3ProblemsStayValues() {
        #expect(throws: StoreError.badS3Location(location: "s3://", problem: .noBucket("s3://"))) {
            try S3Store("s3://", environment: [:])
        }
        #expect(
            ErrorLine.text(StoreError.badS3Location(location: "s3://", problem: .noBucket("s3://")))
                == "cannot open s3://: \(S3Location.Problem.noBucket("s3://"))")
    }
}
