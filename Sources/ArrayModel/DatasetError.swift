/// An error bound to the dataset (path or URL) it concerns; this is what the
/// CLI prints as `vstack: LOCATION: PROBLEM`.
///
/// `underlying` keeps the error it wraps (a `StoreError` for I/O, a codec or
/// format error for corrupt data), so a caller can tell them apart without
/// reading the message.
public struct DatasetError: Error, CustomStringConvertible, Sendable {
    public let location: String
    public let problem: String
    public let underlying: (any Error)?

    public init(_ location: String, _ problem: String, underlying: (any Error)? = nil) {
        self.location = location
        self.problem = problem
        self.underlying = underlying
    }

    /// `LOCATION: ERROR`: the error met reading the dataset at `location`, kept beneath.
    public init(_ location: String, _ error: any Error) {
        self.init(location, ErrorLine.text(error), underlying: error)
    }

    /// `LOCATION: WHERE: ERROR` for an error met at `part` (`chunk 0.1.2`, `page 3`).
    public init(_ location: String, at part: String, _ error: any Error) {
        self.init(location, "\(part): \(ErrorLine.text(error))", underlying: error)
    }

    public var description: String { "\(location): \(problem)" }
}
