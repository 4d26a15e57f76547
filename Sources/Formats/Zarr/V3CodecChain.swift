import Codecs

/// A parsed Zarr v3 `codecs` list: array→array codecs, one array→bytes codec,
/// bytes→bytes codecs (in encoding order). Decoding runs it backwards.
struct V3CodecChain: Sendable {
    /// `transpose` orders, in encoding order.
    var transposes: [[Int]]
    var arrayToBytes: ArrayToBytes
    var bytesToBytes: [BytesCodec]
    /// Human-readable names, in encoding order.
    var names: [String]

    indirect enum ArrayToBytes: Sendable {
        case bytes(bigEndian: Bool)
        case sharding(V3Sharding)
    }

    init(_ list: Any?, dataType: DataType, rank: Int, file: String) throws {
        guard let codecs = list as? [Any] else {
            throw FormatError.invalidMetadata(file: file, problem: "'codecs' must be a list")
        }
        var transposes: [[Int]] = []
        var arrayToBytes: ArrayToBytes? = nil
        var bytesToBytes: [BytesCodec] = []
        var names: [String] = []
        for item in codecs {
            let (name, config): (String, [String: Any])
            if let s = item as? String {
                (name, config) = (s, [:])
            } else if let o = item as? [String: Any], let n = o["name"] as? String {
                (name, config) = (n, (o["configuration"] as? [String: Any]) ?? [:])
            } else {
                throw FormatError.invalidMetadata(file: file, problem: "a codec has no name")
            }
            func stage(_ isArrayStage: Bool) throws {
                if isArrayStage && arrayToBytes != nil {
                    throw FormatError.invalidMetadata(
                        file: file, problem: "codec '\(name)' comes after the array→bytes codec")
                }
                if !isArrayStage && arrayToBytes == nil {
                    throw FormatError.invalidMetadata(
                        file: file, problem: "codec '\(name)' comes before the array→bytes codec")
                }
            }
            switch name {
            case "transpose":
                try stage(true)
                guard let order = (config["order"] as? [Any])?.compactMap(jsonInt),
                    order.sorted() == Array(0..<rank)
                else {
                    throw FormatError.invalidMetadata(
                        file: file, problem: "transpose 'order' must be a permutation of 0..<\(rank)")
                }
                transposes.append(order)
                names.append("transpose(\(order.map(String.init).joined(separator: ",")))")
            case "bytes":
                try stage(true)
                let endian = (config["endian"] as? String) ?? "little"
                guard endian == "little" || endian == "big" else {
                    throw FormatError.invalidMetadata(file: file, problem: "bytes endian '\(endian)'")
                }
                arrayToBytes = .bytes(bigEndian: endian == "big" && dataType.size > 1)
                names.append(dataType.size > 1 ? "bytes(\(endian))" : "bytes")
            case "sharding_indexed":
                try stage(true)
                let sharding = try V3Sharding(config, dataType: dataType, rank: rank, file: file)
                arrayToBytes = .sharding(sharding)
                names.append(
                    "sharding(\(sharding.innerChunkShape.map(String.init).joined(separator: "x")), index at \(sharding.indexAtStart ? "start" : "end"); \(sharding.inner.names.joined(separator: ", ")))"
                )
            case "blosc", "gzip", "zstd", "crc32c":
                try stage(false)
                let codec: BytesCodec = ["blosc": .blosc, "gzip": .gzip, "zstd": .zstd, "crc32c": .crc32c][name]!
                bytesToBytes.append(codec)
                switch name {
                case "blosc":
                    names.append(
                        "blosc(\(config["cname"] ?? "?"), clevel=\(config["clevel"] ?? "?"), \(config["shuffle"] ?? "?"))"
                    )
                case "gzip", "zstd": names.append("\(name)(level=\(config["level"] ?? "?"))")
                default: names.append(name)
                }
            default:
                throw FormatError.unknownCodec(
                    name: name, file: file, known: "bytes, transpose, blosc, gzip, zstd, crc32c, sharding_indexed")
            }
        }
        guard let a2b = arrayToBytes else {
            throw FormatError.invalidMetadata(file: file, problem: "no array→bytes codec (bytes or sharding_indexed)")
        }
        self.transposes = transposes
        self.arrayToBytes = a2b
        self.bytesToBytes = bytesToBytes
        self.names = names
    }

    /// The array shape the array→bytes codec sees, after the transposes.
    func encodedShape(_ shape: [Int]) -> [Int] {
        transposes.reduce(shape) { s, order in order.map { s[$0] } }
    }

    /// The most bytes a chunk of `shape` can take encoded (a larger stored
    /// chunk is corrupt and is not read).
    func maxEncodedSize(shape: [Int], dataType: DataType) throws -> Int {
        let decoded = try CheckedSize.multiply(
            CheckedSize.product(shape, "chunk shape \(shape)"), dataType.size, "chunk shape \(shape)")
        var bound = BytesCodec.maxStoredSize(decoded: decoded)
        if case .sharding(let s) = arrayToBytes {
            let eshape = encodedShape(shape)
            let count = try CheckedSize.product(s.innerGrid(eshape), "shard shape \(eshape)")
            let inner = try s.inner.maxEncodedSize(shape: s.innerChunkShape, dataType: dataType)
            bound = try CheckedSize.add(
                CheckedSize.multiply(count, inner, "shard shape \(eshape)"), s.indexByteCount(eshape),
                "shard shape \(eshape)")
        }
        return bytesToBytes.reduce(bound) { $1.maxEncodedSize(decoded: $0) }
    }

    /// Decodes one encoded chunk into native-endian C-order elements of `shape`.
    func decode(
        _ encoded: [UInt8], shape: [Int], dataType: DataType, fill: Scalar,
        fetch: ((ByteRangeRequest) throws -> [UInt8]?)? = nil
    ) throws -> [UInt8] {
        let eshape = encodedShape(shape)
        let nbytes = try CheckedSize.multiply(
            CheckedSize.product(eshape, "chunk shape \(eshape)"), dataType.size, "chunk shape \(eshape)")
        guard nbytes <= CheckedSize.maxChunkBytes else {
            throw FormatError.tooLarge(what: "chunk shape \(eshape)", limit: "a chunk may take at most 2 GiB decoded")
        }
        var data = encoded
        for (i, codec) in bytesToBytes.enumerated().reversed() {
            var expected: Int? = nil
            if i == 0, case .bytes = arrayToBytes { expected = nbytes }
            data = try codec.decode(data, expectedSize: codec == .crc32c ? nil : expected)
        }
        switch arrayToBytes {
        case .bytes(let big):
            guard data.count == nbytes else {
                throw FormatError.corruptData("decodes to \(data.count) bytes, expected \(nbytes)")
            }
            if big != (DataType.ByteOrderMark.host == .big) && dataType.size > 1 {
                data.withUnsafeMutableBytes { ByteOrder.swapInPlace($0, elementSize: dataType.size) }
            }
        case .sharding(let sharding):
            data = try sharding.decodeShard(data, shardShape: eshape, dataType: dataType, fill: fill)
        }
        return undoTransposes(data, shape: shape, elementSize: dataType.size)
    }

    /// Turns C-order data of the encoded (transposed) shape back into `shape`, last transpose first.
    func undoTransposes(_ encoded: [UInt8], shape: [Int], elementSize: Int) -> [UInt8] {
        var data = encoded
        var shapes = [shape]
        for order in transposes { shapes.append(order.map { shapes.last![$0] }) }
        for (k, order) in transposes.enumerated().reversed() {
            data = Transpose.permute(
                data, shape: shapes[k + 1], axes: V3CodecChain.inverse(order), elementSize: elementSize)
        }
        return data
    }

    /// The shape in array order of a shape given in encoded (transposed) order.
    func decodedShape(_ encoded: [Int]) -> [Int] {
        transposes.reversed().reduce(encoded) { s, order in
            let inv = V3CodecChain.inverse(order)
            return inv.map { s[$0] }
        }
    }

    static func inverse(_ order: [Int]) -> [Int] {
        var inverse = [Int](repeating: 0, count: order.count)
        for (i, o) in order.enumerated() { inverse[o] = i }
        return inverse
    }
}

/// Request for part of a stored value, used by shard readers.
typealias ByteRangeRequest = (offset: Int, length: Int)
