/// How a label image lines up with the image it is drawn over.
///
/// Each label axis follows one image axis — the one with the same name when
/// both are named, else the one in the same position counted from the end
/// (`zyx` labels under a `czyx` image) — or is a singleton the image lacks.
/// Along an axis the label extent equals the image's, or is 1 (the same
/// labels at every index), or matches it after the scales (labels written at
/// a coarser resolution: 0.8 µm label pixels over 0.4 µm image pixels).
public struct LabelAlignment: Sendable {
    /// Per label axis: the image axis it follows (nil: a singleton) and label pixels per image pixel.
    let imageAxis: [Int?]
    let ratio: [Double]
    let labelNames: [String]
    let labelShape: [Int]

    /// - Parameters:
    ///   - imageNames: the image's axis names as shown (after `--axes`).
    ///   - what: how the label image is named in errors (its path).
    public init(image: ArrayMetadata, imageNames: [String], labels: ArrayMetadata, what: String) throws {
        let (ishape, lshape) = (image.shape, labels.shape)
        func mismatch(_ detail: String) -> DatasetError {
            DatasetError(
                what,
                "the label image's shape (\(lshape.map(String.init).joined(separator: ", "))) does not match the image's (\(ishape.map(String.init).joined(separator: ", "))): \(detail)"
            )
        }
        guard ArrayBuffer.holdsLabels(labels.dataType) else {
            throw DatasetError(what, "labels must be integers (or bool), this array is \(labels.dataType.name)")
        }
        let named = labels.axisNames != nil && image.axisNames != nil
        let names =
            labels.axisNames
            ?? (0..<lshape.count).map { d in
                let i = ishape.count - lshape.count + d
                return i >= 0 ? imageNames[i] : "dim\(d)"
            }
        var axes: [Int?] = [], ratios: [Double] = []
        for (d, n) in lshape.enumerated() {
            let i =
                named
                ? imageNames.firstIndex(of: names[d])
                : (ishape.count - lshape.count + d >= 0 ? ishape.count - lshape.count + d : nil)
            guard let i else {
                guard n == 1 else { throw mismatch("the image has no axis '\(names[d])'") }
                axes.append(nil)
                ratios.append(0)
                continue
            }
            guard !axes.contains(i) else { throw mismatch("two label axes follow the image's '\(imageNames[i])'") }
            if n == ishape[i] {
                axes.append(i)
                ratios.append(1)
            } else if n == 1 {
                axes.append(nil)
                ratios.append(0)
            } else if let a = image.scales?[safe: i] ?? nil, let b = labels.scales?[safe: d] ?? nil,
                a.unit == b.unit, a.step > 0, b.step > 0, a.step.isFinite, b.step.isFinite,
                abs(Double(n) - Double(ishape[i]) * a.step / b.step) <= max(1, a.step / b.step)
            {
                axes.append(i)
                ratios.append(a.step / b.step)
            } else {
                throw mismatch("\(imageNames[i]) has \(ishape[i]) pixels in the image and \(n) in the labels")
            }
        }
        (imageAxis, ratio, labelNames, labelShape) = (axes, ratios, names, lshape)
    }

    /// The label view that covers an image view (both at full resolution), or nil when
    /// the image's displayed axes have no counterpart in the labels (a yx label image
    /// under an xz view of the image).
    public func view(for v: PlaneSelection) -> PlaneSelection? {
        guard let r = imageAxis.firstIndex(of: v.rowAxis), let c = imageAxis.firstIndex(of: v.columnAxis) else {
            return nil
        }
        func map(_ range: Range<Int>, _ d: Int) -> Range<Int> {
            let lo = min(Int(clamping: (Double(range.lowerBound) * ratio[d]).rounded(.down)), labelShape[d] - 1)
            let hi = min(Int(clamping: (Double(range.upperBound) * ratio[d]).rounded(.up)), labelShape[d])
            return max(0, lo)..<max(lo + 1, hi)
        }
        let indices = labelShape.indices.map { d -> Int in
            guard let i = imageAxis[d] else { return 0 }
            return min(
                max(0, Int(clamping: ((Double(v.indices[i]) + 0.5) * ratio[d]).rounded(.down))), labelShape[d] - 1)
        }
        return PlaneSelection(
            axisNames: labelNames, rowAxis: r, columnAxis: c, indices: indices,
            rows: map(v.rows, r), columns: map(v.columns, c))
    }
}

extension PlaneSelection {
    /// A selection given field by field (the caller keeps the ranges inside the array).
    public init(
        axisNames: [String], rowAxis: Int, columnAxis: Int, indices: [Int], rows: Range<Int>, columns: Range<Int>
    ) {
        (self.axisNames, self.rowAxis, self.columnAxis, self.indices, self.rows, self.columns) =
            (axisNames, rowAxis, columnAxis, indices, rows, columns)
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
