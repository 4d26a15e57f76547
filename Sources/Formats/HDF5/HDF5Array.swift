#if canImport(Glibc)
import Glibc
#endif
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

    public func readChunk(_ index: [Int]) throws -> ArrayBuffer? {
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

    // MARK: opening (all under the lock)

    struct Info {
        var path = ""
        var shape: [Int]
        var dataType: DataType
        var memType: hid_t
        var chunks: [Int]
        var fill: Scalar
        var filters: [String]
        var axes: [String]?
        var scales: [AxisScale?]?
        var notes: [String]
        /// Attributes that were there but could not be read (a corrupt heap crashed or hung the child reading them).
        var unreadable: [String] = []
        /// Chunks read raw and decoded by vstack (nil: `H5Dread` under the lock).
        var direct: DirectChunks? = nil
        /// Why libhdf5 itself cannot decode the chunks (a filter plugin it lacks), nil when it can.
        var missingFilter: String? = nil
    }

    /// How a chunked dataset's chunks are read without libhdf5 decoding them: the filters to
    /// undo (write order) and whether the file's bytes are big-endian.
    struct DirectChunks: Sendable {
        let filters: [HDF5ChunkFilter]
        let swap: Bool
    }

    /// The datasets under the root, by absolute path (at most `limit`).
    static func listDatasets(_ fid: hid_t, limit: Int = 1000) -> [String] {
        var buf: UnsafeMutablePointer<CChar>? = nil
        var len = 0
        let n = vstack_h5_list_datasets(fid, Int32(limit), &buf, &len)
        defer { free(buf) }
        guard n > 0, let buf else { return [] }
        var out: [String] = []
        var i = 0
        while i < len {
            let s = String(cString: buf + i)
            out.append(s)
            i += s.utf8.count + 1
        }
        return out
    }

    /// `/raw (64, 512, 512) uint16` for the listing, or `/x (compound)` for one vstack does not read.
    static func summary(_ fid: hid_t, _ path: String) -> (text: String, rank: Int, readable: Bool) {
        let did = H5Dopen2(fid, path, vstack_h5p_default())
        guard did >= 0 else {
            _ = HDF5Library.lastError()
            return (path, 0, false)
        }
        defer { H5Dclose(did) }
        let shape = (try? dims(did)) ?? []
        let type = (try? dataType(did)).map { t -> String in
            H5Tclose(t.1)
            return t.0.name
        }
        let kind = type ?? typeClassName(did)
        _ = HDF5Library.lastError()
        return ("\(path) \(tuple(shape)) \(kind)", shape.count, type != nil)
    }

    static func onlyDataset(_ fid: hid_t, fileName: String) throws -> String {
        let all = listDatasets(fid)
        let summaries = all.map { summary(fid, $0) }
        let images = zip(all, summaries).filter { $0.1.rank >= 2 && $0.1.readable }.map(\.0)
        if images.count == 1 { return images[0] }
        guard !all.isEmpty else { throw FormatError.missing("\(fileName) holds no datasets") }
        let shown =
            summaries.prefix(12).map(\.text).joined(separator: ", ")
            + (all.count > 12 ? ", … (\(all.count) in all)" : "")
        let example = (images.first ?? all[0]).dropFirst()
        throw FormatError.notAnArray("\(fileName) holds datasets \(shown); open one: \(fileName)/\(example)")
    }

    static func openDataset(_ fid: hid_t, path: String, fileName: String) throws -> hid_t {
        // H5Oopen tells a group from a dataset from nothing.
        let obj = H5Oopen(fid, path, vstack_h5p_default())
        guard obj >= 0 else {
            _ = HDF5Library.lastError()
            let all = listDatasets(fid, limit: 13)
            let known =
                all.isEmpty
                ? "it holds no datasets"
                : "its datasets: " + all.prefix(12).joined(separator: ", ") + (all.count > 12 ? ", …" : "")
            throw FormatError.missing("no dataset \(path) in \(fileName) (\(known))")
        }
        let type = H5Iget_type(obj)
        H5Oclose(obj)
        guard type == H5I_DATASET else {
            let inside = listDatasets(fid).filter { $0.hasPrefix(path + "/") }
            throw FormatError.notAnArray(
                "\(path) in \(fileName) is a group, not a dataset"
                    + (inside.isEmpty ? "" : "; its datasets: " + inside.prefix(12).joined(separator: ", ")))
        }
        // Without libhdf5's chunk cache: 1.10 reads an unfiltered chunk that goes through the
        // cache into a buffer of the length the chunk index stores, then copies a whole chunk
        // out of it (H5D__chunk_lock; CVE-2018-11205), a heap over-read when a corrupt index
        // says the chunk is shorter (FuzzHDF5, Fuzz/corpus/FuzzHDF5/). Uncached, such a chunk
        // is read from the file straight into the caller's buffer. vstack reads each chunk
        // once, into its own cache, so libhdf5's would only hold copies.
        let dapl = try HDF5Library.check(vstack_h5p_dapl_uncached(), "cannot make the dataset access properties")
        defer { H5Pclose(dapl) }
        return try HDF5Library.check(H5Dopen2(fid, path, dapl), "cannot open dataset \(path)")
    }

    static func dims(_ did: hid_t) throws -> [Int] {
        let space = try HDF5Library.check(H5Dget_space(did), "cannot read the dataspace")
        defer { H5Sclose(space) }
        let cls = H5Sget_simple_extent_type(space)
        guard cls != H5S_NULL else {
            throw FormatError.unsupported("HDF5 dataset with a null dataspace (it holds no data)")
        }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank >= 0 else { throw HDF5Library.failure("cannot read the dataspace") }
        guard rank <= CheckedSize.maxRank else {
            throw FormatError.tooLarge(what: "dataset rank \(rank)", limit: "at most \(CheckedSize.maxRank) axes")
        }
        var d = [hsize_t](repeating: 0, count: rank)
        if rank > 0 {
            guard H5Sget_simple_extent_dims(space, &d, nil) >= 0 else {
                throw HDF5Library.failure("cannot read the shape")
            }
        }
        return try d.map {
            guard $0 <= hsize_t(Int.max) else { throw FormatError.sizeOverflow(field: "dataset shape") }
            return Int($0)
        }
    }

    static func typeClassName(_ did: hid_t) -> String {
        let t = H5Dget_type(did)
        guard t >= 0 else { return "unknown type" }
        defer { H5Tclose(t) }
        switch H5Tget_class(t) {
        case H5T_COMPOUND: return "compound"
        case H5T_STRING: return "string"
        case H5T_ENUM: return "enum"
        case H5T_ARRAY: return "array"
        case H5T_VLEN: return "variable-length"
        case H5T_OPAQUE: return "opaque"
        case H5T_BITFIELD: return "bitfield"
        case H5T_REFERENCE: return "reference"
        case H5T_TIME: return "time"
        case H5T_INTEGER: return "\(H5Tget_size(t) * 8)-bit integer"
        case H5T_FLOAT: return "\(H5Tget_size(t) * 8)-bit float"
        default: return "unknown type"
        }
    }

    /// The element type and the native memory type to read it as (owned by the caller).
    static func dataType(_ did: hid_t) throws -> (DataType, hid_t) {
        let ftype = try HDF5Library.check(H5Dget_type(did), "cannot read the data type")
        defer { H5Tclose(ftype) }
        let size = H5Tget_size(ftype)
        let found: DataType?
        switch H5Tget_class(ftype) {
        case H5T_INTEGER:
            let signed = H5Tget_sign(ftype) == H5T_SGN_2
            found =
                switch size {
                case 1: signed ? .int8 : .uint8
                case 2: signed ? .int16 : .uint16
                case 4: signed ? .int32 : .uint32
                case 8: signed ? .int64 : .uint64
                default: nil
                }
        case H5T_FLOAT:
            found = size == 4 ? .float32 : size == 8 ? .float64 : nil
        case H5T_ENUM where isBoolEnum(ftype):
            found = .bool  // h5py writes numpy bool as an enum {FALSE: 0, TRUE: 1} of int8
        default:
            found = nil
        }
        guard let found else {
            throw FormatError.unsupported(
                "HDF5 data type \(typeClassName(did)) (vstack reads integers of 8 to 64 bits, float32 and float64)")
        }
        let mem = try HDF5Library.check(H5Tget_native_type(ftype, H5T_DIR_ASCEND), "no native type for the data type")
        guard H5Tget_size(mem) == found.size else {
            H5Tclose(mem)
            throw FormatError.unsupported("HDF5 data type \(typeClassName(did)) (no native \(found.name))")
        }
        return (found, mem)
    }

    static func isBoolEnum(_ t: hid_t) -> Bool {
        guard H5Tget_size(t) == 1, H5Tget_nmembers(t) == 2 else { return false }
        for (i, want) in ["FALSE", "TRUE"].enumerated() {
            guard let name = H5Tget_member_name(t, UInt32(i)) else { return false }
            defer { H5free_memory(name) }
            var value: Int8 = -1
            guard H5Tget_member_value(t, UInt32(i), &value) >= 0, String(cString: name) == want, Int(value) == i else {
                return false
            }
        }
        return true
    }

    static func describe(_ did: hid_t, path: String) throws -> Info {
        let shape = try dims(did)
        let (type, mem) = try dataType(did)
        do {
            let dcpl = try HDF5Library.check(H5Dget_create_plist(did), "cannot read the creation properties")
            defer { H5Pclose(dcpl) }
            var notes: [String] = []
            let chunks: [Int]
            if H5Pget_layout(dcpl) == H5D_CHUNKED {
                var c = [hsize_t](repeating: 0, count: max(1, shape.count))
                guard H5Pget_chunk(dcpl, Int32(shape.count), &c) == Int32(shape.count) else {
                    throw HDF5Library.failure("cannot read the chunk shape")
                }
                chunks = try c.prefix(shape.count).map {
                    guard $0 > 0, $0 <= hsize_t(Int32.max) else {
                        throw FormatError.invalidMetadata(file: "dataset \(path)", problem: "chunk extent \($0)")
                    }
                    return Int($0)
                }
                notes.append("chunked")
            } else {
                if H5Pget_layout(dcpl) == H5D_COMPACT {
                    // libhdf5 1.10 copies a compact dataset's shape × element size out of the
                    // buffer its layout message stores, without checking that the buffer is that
                    // large: a heap over-read on a corrupt file (FuzzHDF5, Fuzz/corpus/FuzzHDF5/).
                    let stored = Int(clamping: H5Dget_storage_size(did))
                    let needed = CheckedSize.product(shape + [type.size])
                    guard let needed, stored >= needed else {
                        throw FormatError.corruptData(
                            "compact dataset \(path) stores \(stored) bytes of data; its shape \(tuple(shape)) of \(type.name) needs \(needed.map(String.init) ?? "more than 2^63")"
                        )
                    }
                }
                chunks = NpyArray.chunkShape(shape, elementSize: type.size, fortran: false)
                notes.append(
                    H5Pget_layout(dcpl) == H5D_COMPACT ? "compact, read in bands" : "contiguous, read in bands")
            }
            var filterText = [CChar](repeating: 0, count: 512)
            vstack_h5_filters(dcpl, &filterText)
            let filters = String(cString: filterText)
            // A filter libhdf5 lacks (blosc, lz4, zstd without HDF5_PLUGIN_PATH) only matters when
            // libhdf5 decodes the chunks; vstack's own direct chunk reads decode them (init decides).
            var missing: Int32 = 0
            var missingFilter: String? = nil
            if vstack_h5_filters_available(dcpl, &missing) == 0 {
                let name = knownFilters[Int(missing)] ?? "id \(missing)"
                missingFilter =
                    "HDF5 filter \(name) (filters: \(filters); libhdf5 has no such filter: point HDF5_PLUGIN_PATH at a plugin directory, e.g. hdf5plugin's)"
            }
            let fill = try fillValue(dcpl, type: type, mem: mem)
            var direct: DirectChunks?
            if H5Pget_layout(dcpl) == H5D_CHUNKED, type != .bool {
                var ids = [Int32](repeating: 0, count: 16)
                let n = Int(vstack_h5_filter_ids(dcpl, &ids, 16))
                let order = vstack_h5_type_big_endian(did)
                if n >= 0, order >= 0, let filters = HDF5ChunkFilter.pipeline(Array(ids.prefix(n))) {
                    direct = DirectChunks(
                        filters: filters, swap: (order == 1) == ByteOrder.hostIsLittleEndian && type.size > 1)
                }
            }
            var unreadable: [String] = []
            let (axes, axesSource) = axisNames(did, rank: shape.count, unreadable: &unreadable)
            if let axesSource { notes.append("axes from \(axesSource)") }
            let scales = elementSize(did, rank: shape.count)
            return Info(
                shape: shape, dataType: type, memType: mem, chunks: chunks, fill: fill,
                filters: filters.isEmpty ? ["none"] : filters.components(separatedBy: ", "),
                axes: axes, scales: scales, notes: notes + (direct == nil ? [] : ["chunks decoded by vstack"]),
                unreadable: unreadable, direct: direct, missingFilter: missingFilter)
        } catch {
            H5Tclose(mem)
            throw error
        }
    }

    /// Registered filter ids (https://github.com/HDFGroup/hdf5_plugins) that plugins provide.
    static let knownFilters: [Int: String] = [
        32001: "blosc", 32004: "lz4", 32008: "bitshuffle", 32015: "zstd", 32026: "blosc2",
        307: "bzip2", 32013: "zfp", 32017: "sz", 4: "szip",
    ]

    static func fillValue(_ dcpl: hid_t, type: DataType, mem: hid_t) throws -> Scalar {
        var status = H5D_FILL_VALUE_UNDEFINED
        guard H5Pfill_value_defined(dcpl, &status) >= 0, status != H5D_FILL_VALUE_UNDEFINED else {
            _ = HDF5Library.lastError()
            return .zero
        }
        var bytes = [UInt8](repeating: 0, count: 8)
        guard H5Pget_fill_value(dcpl, mem, &bytes) >= 0 else {
            _ = HDF5Library.lastError()
            return .zero
        }
        return bytes.withUnsafeBytes { r -> Scalar in
            switch type {
            case .bool: .bool(r[0] != 0)
            case .int8: .int(Int64(r.load(as: Int8.self)))
            case .int16: .int(Int64(r.loadUnaligned(as: Int16.self)))
            case .int32: .int(Int64(r.loadUnaligned(as: Int32.self)))
            case .int64: .int(r.loadUnaligned(as: Int64.self))
            case .uint8: .uint(UInt64(r[0]))
            case .uint16: .uint(UInt64(r.loadUnaligned(as: UInt16.self)))
            case .uint32: .uint(UInt64(r.loadUnaligned(as: UInt32.self)))
            case .uint64: .uint(r.loadUnaligned(as: UInt64.self))
            case .float32: .float(Double(r.loadUnaligned(as: Float.self)))
            case .float64: .float(r.loadUnaligned(as: Double.self))
            }
        }
    }

    /// The strings of attribute `name`, nil when there is none or it is not strings. An
    /// attribute whose reading crashed or hung the child process is nil too, and its name is
    /// added to `unreadable`.
    static func strings(_ obj: hid_t, _ name: String, unreadable: inout [String]) -> [String]? {
        var buf = [CChar](repeating: 0, count: 8192)
        let n = Int(vstack_h5_read_strings(obj, name, &buf, buf.count))
        if n == -2 { unreadable.append(name) }
        guard n > 0 else { return nil }
        var out: [String] = []
        var i = 0
        buf.withUnsafeBufferPointer { b in
            for _ in 0..<n {
                let s = String(cString: b.baseAddress! + i)
                out.append(s)
                i += s.utf8.count + 1
            }
        }
        return out
    }

    /// Axis names from `DIMENSION_LABELS` (h5py's `dims[i].label`) or an `axes` string
    /// (ilastik's "zyxc"), when they name every axis.
    static func axisNames(_ did: hid_t, rank: Int, unreadable: inout [String]) -> ([String]?, String?) {
        guard rank > 0 else { return (nil, nil) }
        if let labels = strings(did, "DIMENSION_LABELS", unreadable: &unreadable), labels.count == rank,
            labels.allSatisfy({ !$0.isEmpty })
        {
            return (labels, "DIMENSION_LABELS")
        }
        if let axes = strings(did, "axes", unreadable: &unreadable) {
            let names = axes.count == 1 ? axes[0].map { String($0) } : axes
            if names.count == rank, names.allSatisfy({ !$0.isEmpty && !$0.contains(" ") }) {
                return (names, "the 'axes' attribute")
            }
        }
        return (nil, nil)
    }

    /// `element_size_um` (Fiji, ilastik): µm per step of the last axes it covers.
    static func elementSize(_ did: hid_t, rank: Int) -> [AxisScale?]? {
        guard rank > 0 else { return nil }
        var values = [Double](repeating: 0, count: CheckedSize.maxRank)
        let n = Int(vstack_h5_read_doubles(did, "element_size_um", &values, Int32(values.count)))
        guard n > 0, n <= rank, values.prefix(n).allSatisfy({ $0.isFinite && $0 > 0 }) else { return nil }
        return [AxisScale?](repeating: nil, count: rank - n)
            + values.prefix(n).map { AxisScale(step: $0, unit: "micrometer") }
    }

    static func tuple(_ a: [Int]) -> String { NpyArray.tuple(a) }
}
