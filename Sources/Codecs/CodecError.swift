/// A decoding failure, phrased as one line a user can act on.
public struct CodecError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
