#if canImport(Glibc)
import Glibc
#endif
import CHDF5
import Codecs
import Stores

/// What opening a dataset reads (all under `HDF5Library`'s lock): its shape, type, layout,
/// filters and fill value, as an `Info`.
extension HDF5Array {

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
}
