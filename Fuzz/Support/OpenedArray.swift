import ArrayModel

/// After an array opened: its first chunk, read through the real chunk path,
/// when the array is not empty and a chunk is small (see maxDecodedChunkBytes).
public func readFirstChunk(_ array: LazyArray) {
    let m = array.metadata
    guard m.shape.allSatisfy({ $0 > 0 }),
        let elements = CheckedSize.product(m.chunkShape),
        elements.multipliedReportingOverflow(by: m.dataType.size).partialValue <= maxDecodedChunkBytes,
        !elements.multipliedReportingOverflow(by: m.dataType.size).overflow
    else { return }
    _ = try? array.readChunk(m.shape.map { _ in 0 })
}
