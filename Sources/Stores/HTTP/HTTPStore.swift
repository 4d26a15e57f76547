import Threads

/// Values below a base URL, read with GET and HEAD (never anything else).
/// A 404 (or 410) is a missing key; 401/403 is `StoreError.refused`; byte
/// ranges are `Range:` requests. Plain HTTP cannot list, so `list` is empty.
public struct HTTPStore: Store {
    /// The base URL without a trailing `/`.
    public let base: String
    public var location: String { base }
    let client: HTTPClient
    /// Adds headers that authorise a request (S3's SigV4), given method, URL and the other headers.
    let authorize: (@Sendable (HTTPClient.Method, String, [String]) throws -> [String])?
    /// What credentials were tried, for a 401/403 message.
    let credentials: String
    private let counter = ByteCounter()
    public var bytesRead: Int { counter.total }
    public var isRemote: Bool { true }

    public init(
        base: String, client: HTTPClient = .shared, credentials: String = "no credentials are sent",
        authorize: (@Sendable (HTTPClient.Method, String, [String]) throws -> [String])? = nil
    ) {
        var b = base
        while b.hasSuffix("/") { b.removeLast() }
        (self.base, self.client, self.credentials, self.authorize) = (b, client, credentials, authorize)
    }

    /// The URL of a key: each segment percent-encoded; nil when the key would leave the base.
    public func url(for key: String) -> String? {
        let parts = key.split(separator: "/", omittingEmptySubsequences: true)
        if key.hasPrefix("/") || parts.contains(where: { $0 == ".." || $0 == "." }) { return nil }
        if parts.isEmpty { return base }
        return base + "/" + parts.map { HTTPStore.percentEncode($0) }.joined(separator: "/")
    }

    /// RFC 3986 unreserved characters stay; every other byte is `%XX`.
    public static func percentEncode(_ text: some StringProtocol) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return out
    }

    /// Errors name the key, not the whole URL: the dataset's location is said before them.
    /// A cancelled `cancellation` aborts the transfer (`StoreError.cancelled`).
    func send(
        _ method: HTTPClient.Method, _ key: String, headers: [String] = [], limit: Int? = nil,
        cancellation: JobToken? = nil
    ) throws -> HTTPClient.Response? {
        do {
            return try sendNamingURLs(method, key, headers: headers, limit: limit, cancellation: cancellation)
        } catch let e as StoreError {
            guard let url = url(for: key) else { throw e }
            throw e.renaming(url, as: key.isEmpty ? "(the base URL)" : key)
        }
    }

    private func sendNamingURLs(
        _ method: HTTPClient.Method, _ key: String, headers: [String], limit: Int?, cancellation: JobToken?
    ) throws -> HTTPClient.Response? {
        guard let url = url(for: key) else { throw StoreError.keyOutsideStore(key: key) }
        let all = try headers + (authorize?(method, url, headers) ?? [])
        var cancelled: (@Sendable () -> Bool)? = nil
        if let cancellation { cancelled = { cancellation.isCancelled } }
        let response = try client.send(method, url, headers: all, limit: limit, cancelled: cancelled)
        switch response.status {
        case 200..<300: return response
        case 404, 410: return nil
        case 401, 403: throw StoreError.refused(url: url, status: response.status, credentials: credentials)
        case 416: throw StoreError.badRange(path: url, problem: "the server cannot serve the range (HTTP 416)")
        default: throw StoreError.httpStatus(url: url, status: response.status, tries: 1)
        }
    }

    public func get(_ key: String, cancellation: JobToken?) throws -> [UInt8]? {
        try get(key, atMost: Int.max, limitName: "", cancellation: cancellation)
    }

    /// The body is cut off at `limit` while it arrives: a huge value is never held.
    public func get(
        _ key: String, atMost limit: Int, limitName: String, cancellation: JobToken?
    ) throws -> [UInt8]? {
        let memoURL = MetadataMemo.isMetadata(key) ? url(for: key) : nil
        if let memoURL, let known = client.memo.get(memoURL) {
            guard let bytes = try known.get() else { return nil }
            guard bytes.count <= limit else {
                throw StoreError.tooLarge(what: key, size: bytes.count, limit: limitName)
            }
            return bytes
        }
        do {
            let body = try send(.get, key, limit: limit == Int.max ? nil : limit, cancellation: cancellation)?.body
            counter.add(body?.count ?? 0)
            if let memoURL { client.memo.put(memoURL, .success(body)) }
            return body
        } catch StoreError.tooLarge(_, let size, _) {
            throw StoreError.tooLarge(what: key, size: size, limit: limitName)
        }
    }

    /// Fetches a metadata key into the memo, errors included (for the read that follows).
    private func fetchAhead(_ key: String) {
        guard let url = url(for: key) else { return }
        do {
            let body = try send(.get, key, limit: MetadataMemo.maxBytes)?.body
            counter.add(body?.count ?? 0)
            client.memo.put(url, .success(body))
        } catch StoreError.tooLarge(_, _, _) {
            // Left for the read, which applies its own limit.
        } catch {
            client.memo.put(url, .failure(error))
        }
    }

    public func prefetchMetadata(_ keys: [String]) {
        let wanted = keys.filter {
            MetadataMemo.isMetadata($0) && url(for: $0).map { !client.memo.contains($0) } == true
        }
        let store = self
        MetadataMemo.concurrently(wanted.count, threads: client.options.maxRequests) { i in store.fetchAhead(wanted[i])
        }
        // The root's consolidated metadata, when there is some, answers for every level and label below.
        if keys.contains(".zmetadata") || keys.contains("zarr.json") { client.memo.adoptConsolidated(root: base) }
    }

    /// Close ranges of one value asked for at the same moment share a request (`RangeCoalescer`);
    /// a request that serves other readers too is not given up with this reader's `cancellation`.
    public func get(_ key: String, range: ByteRange, cancellation: JobToken?) throws -> [UInt8]? {
        guard case let .slice(offset, length) = range, offset >= 0, length > 0, let url = url(for: key) else {
            return try fetchRange(key, range, cancellation: cancellation)
        }
        let window = 0.1 * (client.statistics.meanLatency ?? 0)
        return try client.coalescer.read(url, offset: offset, length: length, window: window) { o, n, cancellable in
            try fetchRange(key, .slice(offset: o, length: n), cancellation: cancellable ? cancellation : nil)
        }
    }

    /// One range request.
    private func fetchRange(_ key: String, _ range: ByteRange, cancellation: JobToken?) throws -> [UInt8]? {
        let spec: String
        switch range {
        case let .slice(offset, length), let .upTo(offset, length):
            guard offset >= 0, length >= 0 else {
                throw StoreError.badRange(path: key, problem: "negative range \(offset)+\(length)")
            }
            if length == 0 { return try contains(key) ? [] : nil }
            spec = "bytes=\(offset)-\(offset + length - 1)"
        case let .suffix(length):
            guard length > 0 else { return try contains(key) ? [] : nil }
            spec = "bytes=-\(length)"
        }
        guard let r = try send(.get, key, headers: ["Range: \(spec)"], cancellation: cancellation) else { return nil }
        counter.add(r.body.count)
        let url = key  // messages name the key; the dataset's location is said before them
        var body = r.body
        if r.status == 200 {
            // The server ignored the range and sent the whole value: cut the part out.
            body = try HTTPStore.cut(body, range, url: url)
        }
        switch range {
        case let .slice(_, length) where body.count != length:
            throw StoreError.badAnswer(url: url, problem: "asked for \(length) bytes (\(spec)), got \(body.count)")
        case let .upTo(_, length) where body.count > length, let .suffix(length) where body.count > length:
            throw StoreError.badAnswer(
                url: url, problem: "asked for at most \(length) bytes (\(spec)), got \(body.count)")
        default: return body
        }
    }

    static func cut(_ whole: [UInt8], _ range: ByteRange, url: String) throws -> [UInt8] {
        switch range {
        case let .slice(offset, length):
            guard offset <= whole.count - length else {
                throw StoreError.badRange(
                    path: url, problem: "range \(offset)+\(length) is outside the \(whole.count) bytes")
            }
            return Array(whole[offset..<(offset + length)])
        case let .upTo(offset, length):
            guard offset <= whole.count else { return [] }
            return Array(whole[offset..<min(whole.count, offset + length)])
        case let .suffix(length):
            return Array(whole.suffix(length))
        }
    }

    /// From a HEAD request's Content-Length.
    public func size(_ key: String) throws -> Int? {
        guard let r = try send(.head, key) else { return nil }
        guard let length = r.headers["content-length"].flatMap(Int.init), length >= 0 else {
            throw StoreError.badAnswer(url: key, problem: "the server does not say the size (no Content-Length)")
        }
        return length
    }

    public func contains(_ key: String) throws -> Bool {
        if MetadataMemo.isMetadata(key) { return try get(key) != nil }
        return try send(.head, key) != nil
    }
}
