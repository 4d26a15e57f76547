#if canImport(Glibc)
import Glibc
#endif
import Threads
import CTiff
import Stores

/// One libtiff handle on one page of a `TiffFile`, used by one thread at a
/// time (the file's pool hands it out). Reads go through counted `pread`s;
/// libtiff's errors are kept as messages instead of being printed.
///
/// The handle is opened with the file header's first-IFD pointer replaced by
/// the page's offset, so libtiff reads that page as its first directory. (Its
/// `TIFFSetSubDirectory` walks the whole page chain on a handle's first jump,
/// to number directories for loop detection: 512 pages cost ~1500 reads.)
///
/// Thread contract: one thread at a time. `TiffFile` hands a handle out of its pool and takes
/// it back, so libtiff's per-handle state is never shared.
final class TiffHandle: @unchecked Sendable {
    let tif: OpaquePointer
    /// The directory offset of the page this handle reads.
    let page: UInt64
    private let io: TiffIOState
    private let messages: UnsafeMutablePointer<CChar>

    /// The token of the job this handle reads for, while it is handed out (nil: not cancellable).
    var cancellation: JobToken? {
        get { io.cancellation }
        set { io.cancellation = newValue }
    }

    init(file: TiffFile, page: UInt64, cancellation: JobToken?) throws {
        self.page = page
        io = TiffIOState(
            bytes: file.bytes, size: file.size, counter: file.counter,
            header: file.header.pointing(to: page))
        io.cancellation = cancellation
        messages = .allocate(capacity: 512)
        messages.initialize(repeating: 0, count: 512)
        let options = vstack_tiff_options(messages)
        defer { TIFFOpenOptionsFree(options) }
        let handle = Unmanaged.passUnretained(io).toOpaque()
        guard
            let t = TIFFClientOpenExt(
                file.path, "rm", handle, tiffRead, tiffWrite, tiffSeek, tiffClose,
                tiffSize, tiffMap, tiffUnmap, options)
        else {
            let message = String(cString: messages)
            messages.deallocate()
            throw FormatError.corruptData(
                "cannot read the page directory at byte \(page): \(message.isEmpty ? "libtiff could not read it" : message)"
            )
        }
        tif = t
    }

    deinit {
        TIFFClose(tif)
        messages.deallocate()
    }

    /// Why decoding `what` failed, from libtiff's last error (then forgotten): a read beneath it
    /// that failed (a remote range) as that error, else libtiff's message as corrupt data.
    func decodeFailure(_ what: String) -> FormatError {
        defer { messages[0] = 0 }
        if let e = io.readError {
            io.readError = nil
            return .within(what, underlying: e)
        }
        let message = String(cString: messages)
        return .corruptData("\(what): \(message.isEmpty ? "corrupt or truncated data" : message)")
    }

    /// Whether this handle's page was compared with page 0 (a handle reads one page).
    var layoutChecked = false

    /// The page's layout and descriptive tags; the ImageDescription (OME-XML
    /// can be megabytes) only when asked for.
    func info(description wantsDescription: Bool = false) -> TiffPageInfo {
        func u16(_ tag: Int32, defaulted: Bool = true) -> UInt16? {
            var v: UInt16 = 0
            let ok =
                defaulted
                ? vstack_tiff_get_u16_defaulted(tif, UInt32(tag), &v) : vstack_tiff_get_u16(tif, UInt32(tag), &v)
            return ok == 1 ? v : nil
        }
        func u32(_ tag: Int32) -> UInt32? {
            var v: UInt32 = 0
            return vstack_tiff_get_u32(tif, UInt32(tag), &v) == 1 ? v : nil
        }
        func float(_ tag: Int32) -> Double? {
            var v: Float = 0
            return vstack_tiff_get_float(tif, UInt32(tag), &v) == 1 && v.isFinite && v > 0 ? Double(v) : nil
        }
        func string(_ tag: Int32) -> String? {
            var p: UnsafePointer<CChar>? = nil
            guard vstack_tiff_get_string(tif, UInt32(tag), &p) == 1, let p else { return nil }
            return String(cString: p)
        }
        let tiled = TIFFIsTiled(tif) != 0
        var subIFDs: [UInt64] = []
        var count: UInt16 = 0
        var offsets: UnsafeMutablePointer<UInt64>? = nil
        if vstack_tiff_get_subifds(tif, &count, &offsets) == 1, let offsets {
            subIFDs = (0..<Int(count)).map { offsets[$0] }
        }
        var info = TiffPageInfo(
            width: Int(u32(TIFFTAG_IMAGEWIDTH) ?? 0),
            height: Int(u32(TIFFTAG_IMAGELENGTH) ?? 0),
            bitsPerSample: Int(u16(TIFFTAG_BITSPERSAMPLE) ?? 1),
            sampleFormat: u16(TIFFTAG_SAMPLEFORMAT) ?? UInt16(SAMPLEFORMAT_UINT),
            samplesPerPixel: Int(u16(TIFFTAG_SAMPLESPERPIXEL) ?? 1),
            planarSeparate: u16(TIFFTAG_PLANARCONFIG) == UInt16(PLANARCONFIG_SEPARATE),
            compression: u16(TIFFTAG_COMPRESSION) ?? UInt16(COMPRESSION_NONE),
            predictor: u16(TIFFTAG_PREDICTOR) ?? 1,
            photometric: u16(TIFFTAG_PHOTOMETRIC, defaulted: false),
            tiled: tiled,
            tileWidth: tiled ? Int(u32(TIFFTAG_TILEWIDTH) ?? 0) : 0,
            tileLength: tiled ? Int(u32(TIFFTAG_TILELENGTH) ?? 0) : 0,
            rowsPerStrip: tiled ? 0 : Int(min(u32(TIFFTAG_ROWSPERSTRIP) ?? UInt32.max, UInt32(Int32.max))),
            description: wantsDescription ? string(TIFFTAG_IMAGEDESCRIPTION) : nil,
            xResolution: float(TIFFTAG_XRESOLUTION),
            yResolution: float(TIFFTAG_YRESOLUTION),
            resolutionUnit: u16(TIFFTAG_RESOLUTIONUNIT) ?? UInt16(RESUNIT_INCH))
        info.subIFDs = subIFDs
        return info
    }

    /// JPEG pages stored as YCbCr are decoded to RGB by libtiff.
    func prepareDecoding(_ info: TiffPageInfo) {
        if info.compression == UInt16(COMPRESSION_JPEG), info.photometric == UInt16(PHOTOMETRIC_YCBCR) {
            _ = vstack_tiff_set_u16(tif, UInt32(TIFFTAG_JPEGCOLORMODE), UInt16(JPEGCOLORMODE_RGB))
        }
    }

    /// Decodes strip `strip` of the current page; returns the bytes written.
    func readStrip(_ strip: Int, into p: UnsafeMutableRawPointer, capacity: Int) throws -> Int {
        let n = TIFFReadEncodedStrip(tif, UInt32(strip), p, tmsize_t(capacity))
        guard n >= 0 else {
            throw decodeFailure("cannot decode strip \(strip)")
        }
        return Int(n)
    }

    /// Decodes tile `tile` of the current page; returns the bytes written.
    func readTile(_ tile: Int, into p: UnsafeMutableRawPointer, capacity: Int) throws -> Int {
        let n = TIFFReadEncodedTile(tif, UInt32(tile), p, tmsize_t(capacity))
        guard n >= 0 else {
            throw decodeFailure("cannot decode tile \(tile)")
        }
        return Int(n)
    }
}

/// What libtiff's client I/O callbacks see: the shared descriptor, this
/// handle's own position, and the file's byte counter.
final class TiffIOState {
    let bytes: TiffBytes
    let size: UInt64
    let counter: ByteCounter
    /// The header bytes libtiff sees (the first IFD pointer replaced).
    let header: [UInt8]
    var position: UInt64 = 0
    /// The token of the job the handle reads for, if any: its remote reads stop once it is cancelled.
    var cancellation: JobToken?
    /// The last read error (a remote read that failed), for the message libtiff's does not carry.
    var readError: Error?
    init(bytes: TiffBytes, size: UInt64, counter: ByteCounter, header: [UInt8]) {
        (self.bytes, self.size, self.counter, self.header) = (bytes, size, counter, header)
    }

    static func from(_ h: thandle_t?) -> TiffIOState { Unmanaged<TiffIOState>.fromOpaque(h!).takeUnretainedValue() }
}

private let tiffRead: TIFFReadWriteProc = { h, buffer, size in
    let io = TiffIOState.from(h)
    guard let buffer, size > 0 else { return 0 }
    let size = Int(size)
    var done = 0
    while done < size, io.position + UInt64(done) < UInt64(io.header.count) {
        buffer.storeBytes(of: io.header[Int(io.position) + done], toByteOffset: done, as: UInt8.self)
        done += 1
    }
    let n: Int
    do {
        n = try io.bytes.read(
            into: UnsafeMutableRawBufferPointer(start: buffer + done, count: size - done),
            at: io.position + UInt64(done), cancellation: io.cancellation)
    } catch {
        io.readError = error
        return -1
    }
    done += n
    io.position += UInt64(done)
    io.counter.add(done)
    return tmsize_t(done)
}

private let tiffWrite: TIFFReadWriteProc = { _, _, _ in -1 }  // vstack never writes to a dataset

private let tiffSeek: TIFFSeekProc = { h, offset, whence in
    let io = TiffIOState.from(h)
    switch whence {
    case SEEK_SET: io.position = offset
    case SEEK_CUR: io.position = UInt64(Int64(io.position) + Int64(bitPattern: offset))
    case SEEK_END: io.position = UInt64(Int64(io.size) + Int64(bitPattern: offset))
    default: return UInt64.max
    }
    return io.position
}

private let tiffClose: TIFFCloseProc = { _ in 0 }  // the descriptor belongs to TiffFile
private let tiffSize: TIFFSizeProc = { h in TiffIOState.from(h).size }
private let tiffMap: TIFFMapFileProc = { _, _, _ in 0 }
private let tiffUnmap: TIFFUnmapFileProc = { _, _, _ in }
