/// A 2-D float image in row-major order.
public struct FloatImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [Float]

    public init(width: Int, height: Int, pixels: [Float]) {
        precondition(pixels.count == width * height)
        (self.width, self.height, self.pixels) = (width, height, pixels)
    }

    /// Converts a 2-D (rows, columns) buffer of any data type to Float.
    public init(_ buffer: ArrayBuffer) {
        precondition(buffer.shape.count == 2)
        let pixels = buffer.floats()
        self.init(width: buffer.shape[1], height: buffer.shape[0], pixels: pixels)
    }
}
