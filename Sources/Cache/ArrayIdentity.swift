import ArrayModel

/// What a cached chunk belongs to: the source's format, location, shape, chunk
/// shape and dtype. Stable while arrays are opened and closed (label images
/// come and go in the viewer): two arrays opened from the same place share
/// their chunks, and an array can never inherit the chunks of a freed one, as
/// it could when keys held the `ObjectIdentifier` of an object whose address
/// was reused.
public struct ArrayIdentity: Hashable, Sendable, CustomStringConvertible {
    public let text: String
    private let hashValue_: Int

    public init(_ array: LazyArray) {
        let m = array.metadata
        text = "\(m.format):\(m.location) \(m.shape) \(m.chunkShape) \(m.dataType.name)"
        hashValue_ = text.hashValue
    }

    public static func == (a: ArrayIdentity, b: ArrayIdentity) -> Bool {
        a.hashValue_ == b.hashValue_ && a.text == b.text
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(hashValue_) }
    public var description: String { text }
}
