/// A problem with a dataset, phrased as one line: what is wrong and, where it
/// helps, what to do. The CLI prefixes the dataset's path.
public struct FormatError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }

    static func unsupported(_ what: String) -> FormatError {
        FormatError("unsupported \(what)")
    }
}

/// An error bound to the dataset (path or URL) it concerns; this is what the
/// CLI prints as `vstack: LOCATION: PROBLEM`.
public struct DatasetError: Error, CustomStringConvertible, Sendable {
    public let location: String
    public let problem: String
    public init(_ location: String, _ problem: String) {
        self.location = location
        self.problem = problem
    }
    public var description: String { "\(location): \(problem)" }
}
