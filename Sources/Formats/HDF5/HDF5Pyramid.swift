import Threads
/// A multiscale image assembled from levels of one rank (BigDataViewer's and Imaris'
/// resolution levels, each a StackedArray over setups/channels and timepoints): level 0
/// is this array, coarser levels corner-aligned blocks of `factors` level-0 pixels.
/// Thread contract: immutable after init; its levels are lazy arrays, read from any thread.
public final class HDF5Pyramid: LazyArray, @unchecked Sendable {
    public let metadata: ArrayMetadata
    let levelArrays: [LazyArray]
    let factors: [[Double]]
    let paths: [String]
    public let sourcePaths: [String]

    init(metadata: ArrayMetadata, levels: [LazyArray], factors: [[Double]], paths: [String], sourcePaths: [String]) {
        var m = metadata
        m.levels = levels.map(\.metadata.shape)
        self.metadata = m
        (levelArrays, self.factors, self.paths, self.sourcePaths) = (levels, factors, paths, sourcePaths)
    }

    public var pyramid: [PyramidLevel] {
        levelArrays.indices.map { i in
            PyramidLevel(
                array: i == 0 ? self : levelArrays[i], path: paths[i], factors: factors[i],
                offsets: factors[i].map { ($0 - 1) / 2 })
        }
    }

    public func readChunk(_ index: [Int], cancellation: JobToken?) throws -> ArrayBuffer? {
        try levelArrays[0].readChunk(index, cancellation: cancellation)
    }
    public var bytesRead: Int { levelArrays.reduce(0) { $0 + $1.bytesRead } }
}
