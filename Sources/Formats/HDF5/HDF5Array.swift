#if canImport(Glibc)
import Glibc
#endif
import Threads
import CHDF5
import Codecs
import Stores

/// One dataset of an HDF5 file (`file.h5/group/dataset`) as a lazy array, read through libhdf5.
///
/// Opening reads the dataset's shape, type, layout, filters, fill value and a few
/// attributes (`DIMENSION_LABELS`, `axes`, `element_size_um`); a chunk is then one
/// hyperslab `H5Dread` into a buffer of the nominal chunk shape, in the native type
/// (libhdf5 converts big-endian data). Chunked datasets use their own chunks; contiguous
/// ones are read in bands of a plane of about 4 MiB. The file stays open for the array's
/// life; every libhdf5 call holds `HDF5Library`'s one lock.
///
/// Thread contract: immutable after init; the ids are libhdf5's, and every call that uses them
/// holds `HDF5Library`'s lock (libhdf5 is not reentrant).
public final class HDF5Array: LazyArray, @unchecked Sendable {
    public let metadata: ArrayMetadata
    /// The HDF5 file's path.
    public let file: String
    /// The dataset's absolute path inside the file (`/raw`).
    public let datasetPath: String
    private let fileID: hid_t
    let datasetID: hid_t
    /// Set for chunked datasets whose filters vstack undoes itself (`HDF5Array+DirectChunks.swift`).
    let direct: DirectChunks?
    /// The native in-memory type H5Dread converts to (owned, closed in deinit).
    private let memType: hid_t
    let counter = ByteCounter()

    /// Opens `file` and the dataset at `dataset` inside it; with an empty `dataset`, the file's
    /// only dataset of rank ≥ 2, or an error listing them.
    public static func open(file: String, dataset: String, location: String) throws -> HDF5Array {
        try HDF5Array(file: file, dataset: dataset, location: location)
    }

    /// - Parameter directChunks: false reads every chunk with `H5Dread` (tests compare the two).
    init(file: String, dataset: String, location: String, directChunks: Bool = true) throws {
        self.file = file
        let fileName = file.split(separator: "/").last.map(String.init) ?? file
        var opened: (fid: hid_t, did: hid_t, mem: hid_t) = (-1, -1, -1)
        do {
            let info = try HDF5Library.locked { () throws -> Info in
                let fid = H5Fopen(file, vstack_h5f_acc_rdonly(), vstack_h5p_default())
                guard fid >= 0 else {
                    throw HDF5Library.failure("not a readable HDF5 file")
                }
                opened.fid = fid
                var path = dataset.isEmpty ? "" : (dataset.hasPrefix("/") ? dataset : "/" + dataset)
                if path.isEmpty {
                    path = try Self.onlyDataset(fid, fileName: fileName)
                }
                let did = try Self.openDataset(fid, path: path, fileName: fileName)
                opened.did = did
                var info = try Self.describe(did, path: path)
                opened.mem = info.memType
                info.path = path
                return info
            }
            fileID = opened.fid
            datasetID = opened.did
            memType = opened.mem
            datasetPath = info.path
            direct = directChunks ? info.direct : nil
            if direct == nil, let missing = info.missingFilter { throw FormatError.unsupported(missing) }
            try CheckedSize.checkLayout(
                shape: info.shape, chunkShape: info.chunks, elementSize: info.dataType.size,
                file: "dataset \(info.path)", chunkField: "chunks")
            var m = ArrayMetadata(
                format: "hdf5", location: location, shape: info.shape, dataType: info.dataType,
                chunkShape: info.chunks, fillValue: info.fill, axisNames: info.axes,
                codecs: info.filters, scales: info.scales, notes: info.notes)
            m.notes.insert("dataset \(info.path) of \(fileName)", at: 0)
            m.warnings = info.unreadable.map {
                "dataset \(info.path): attribute '\($0)' could not be read (libhdf5 crashed or hung on it); ignored"
            }
            metadata = m
        } catch {
            let o = opened
            HDF5Library.lockedQuietly {
                if o.mem >= 0 { H5Tclose(o.mem) }
                if o.did >= 0 { H5Dclose(o.did) }
                if o.fid >= 0 { H5Fclose(o.fid) }
            }
            throw error
        }
    }

    deinit {
        let (fid, did, mem) = (fileID, datasetID, memType)
        HDF5Library.lockedQuietly {
            H5Tclose(mem)
            H5Dclose(did)
            H5Fclose(fid)
        }
    }

    public var bytesRead: Int { counter.total }
    public var sourcePaths: [String] { [file] }

    // MARK: chunks

    public func readChunk(_ index: [Int], cancellation _: JobToken?) throws -> ArrayBuffer? {
        if let direct { return try readChunkDirect(index, direct) }
        let m = metadata
        let region = m.grid.region(of: index)
        var out = ArrayBuffer(dataType: m.dataType, shape: m.chunkShape, filledWith: m.fillValue)
        let rank = m.shape.count
        let count = region.map(\.count)
        do {
            try out.bytes.withUnsafeMutableBytes { dst in
                try HDF5Library.locked {
                    if rank == 0 {
                        try HDF5Library.check(
                            H5Dread(
                                datasetID, memType, vstack_h5s_all(), vstack_h5s_all(), vstack_h5p_default(),
                                dst.baseAddress),
                            "H5Dread failed")
                        return
                    }
                    let fspace = try HDF5Library.check(H5Dget_space(datasetID), "cannot get the dataspace")
                    defer { H5Sclose(fspace) }
                    let start = region.map { hsize_t($0.lowerBound) }
                    let counts = count.map { hsize_t($0) }
                    try HDF5Library.check(
                        H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, nil, counts, nil), "cannot select the chunk")
                    let dims = m.chunkShape.map { hsize_t($0) }
                    let mspace = try HDF5Library.check(
                        H5Screate_simple(Int32(rank), dims, nil), "cannot make the memory space")
                    defer { H5Sclose(mspace) }
                    let zero = [hsize_t](repeating: 0, count: rank)
                    try HDF5Library.check(
                        H5Sselect_hyperslab(mspace, H5S_SELECT_SET, zero, nil, counts, nil), "cannot select the buffer")
                    try HDF5Library.check(
                        H5Dread(datasetID, memType, mspace, fspace, vstack_h5p_default(), dst.baseAddress),
                        "H5Dread failed")
                }
            }
        } catch {
            throw DatasetError(metadata.location, at: "chunk \(index.map(String.init).joined(separator: "."))", error)
        }
        counter.add((count.reduce(1, *)) * m.dataType.size)
        return out
    }

    static func tuple(_ a: [Int]) -> String { NpyArray.tuple(a) }
}
