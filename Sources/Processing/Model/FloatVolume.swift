/// A stack of float32 planes (depth × height × width, C order): the unit every
/// operator reads and writes. A 2-D tile is a volume of depth 1. Operators
/// treat the volume's own edges as the data's edges (scipy's `reflect`); the
/// pipeline makes that exact by cropping away a halo (see `HaloPlan`).
public struct FloatVolume: Sendable, Equatable {
    public let depth: Int
    public let height: Int
    public let width: Int
    public var pixels: [Float]

    public init(depth: Int = 1, height: Int, width: Int, pixels: [Float]) {
        precondition(pixels.count == depth * height * width, "pixel count does not match the volume's size")
        (self.depth, self.height, self.width, self.pixels) = (depth, height, width, pixels)
    }

    public init(depth: Int = 1, height: Int, width: Int, repeating value: Float = 0) {
        self.init(
            depth: depth, height: height, width: width,
            pixels: [Float](repeating: value, count: depth * height * width))
    }

    public var planeSize: Int { height * width }
    public var size: Extent { Extent(depth, height, width) }

    /// One plane as a volume of depth 1.
    public func plane(_ z: Int) -> FloatVolume {
        FloatVolume(height: height, width: width, pixels: Array(pixels[(z * planeSize)..<((z + 1) * planeSize)]))
    }

    /// The sub-volume `box` (ranges in this volume's coordinates).
    public func cropped(to box: Box) -> FloatVolume {
        if box.z == 0..<depth && box.y == 0..<height && box.x == 0..<width { return self }
        var out = [Float](repeating: 0, count: box.count)
        var o = 0
        pixels.withUnsafeBufferPointer { p in
            for z in box.z {
                for y in box.y {
                    let start = (z * height + y) * width
                    for x in box.x {
                        out[o] = p[start + x]
                        o += 1
                    }
                }
            }
        }
        return FloatVolume(depth: box.z.count, height: box.y.count, width: box.x.count, pixels: out)
    }

    /// A volume of the same size with `transform` applied to every pixel.
    public func map(_ transform: (Float) -> Float) -> FloatVolume {
        FloatVolume(depth: depth, height: height, width: width, pixels: pixels.map(transform))
    }

    /// Pixel-wise combination of two volumes of the same size.
    public func combined(with other: FloatVolume, _ f: (Float, Float) -> Float) -> FloatVolume {
        precondition(size == other.size)
        var out = pixels
        other.pixels.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { a in
                for i in 0..<a.count { a[i] = f(a[i], b[i]) }
            }
        }
        return FloatVolume(depth: depth, height: height, width: width, pixels: out)
    }
}

/// Sizes or margins along (z, y, x).
public struct Extent: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var z: Int, y: Int, x: Int
    public init(_ z: Int, _ y: Int, _ x: Int) { (self.z, self.y, self.x) = (z, y, x) }
    public static let zero = Extent(0, 0, 0)
    public static func + (a: Extent, b: Extent) -> Extent { Extent(a.z + b.z, a.y + b.y, a.x + b.x) }
    public static func max(_ a: Extent, _ b: Extent) -> Extent {
        Extent(Swift.max(a.z, b.z), Swift.max(a.y, b.y), Swift.max(a.x, b.x))
    }
    public var description: String { "(\(z), \(y), \(x))" }
}

/// A box of a volume: ranges along (z, y, x).
public struct Box: Sendable, Equatable, Hashable {
    public var z: Range<Int>, y: Range<Int>, x: Range<Int>
    public init(z: Range<Int>, y: Range<Int>, x: Range<Int>) { (self.z, self.y, self.x) = (z, y, x) }
    public var count: Int { z.count * y.count * x.count }

    /// The box grown by `margin` on each side, clamped to `0..<limit`.
    public func grown(by margin: Extent, within limit: Box) -> Box {
        func grow(_ r: Range<Int>, _ m: Int, _ l: Range<Int>) -> Range<Int> {
            Swift.max(l.lowerBound, r.lowerBound - m)..<Swift.min(l.upperBound, r.upperBound + m)
        }
        return Box(z: grow(z, margin.z, limit.z), y: grow(y, margin.y, limit.y), x: grow(x, margin.x, limit.x))
    }

    /// This box in the coordinates of a volume whose origin is `origin`.
    public func relative(to origin: Box) -> Box {
        Box(
            z: (z.lowerBound - origin.z.lowerBound)..<(z.upperBound - origin.z.lowerBound),
            y: (y.lowerBound - origin.y.lowerBound)..<(y.upperBound - origin.y.lowerBound),
            x: (x.lowerBound - origin.x.lowerBound)..<(x.upperBound - origin.x.lowerBound))
    }
}
