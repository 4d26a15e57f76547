/// An HTTP(S) request target as SigV4 sees it: scheme, host, port, an
/// unencoded path and unencoded query items. `string` is the URL to send,
/// encoded exactly as the signer encodes it, so that what is signed is what is sent.
public struct RequestURL: Sendable, Equatable {
    /// One `name=value` pair of the query, unencoded.
    public struct QueryItem: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var scheme: String
    /// A host name, an IPv4 address, or an IPv6 address in brackets (`[::1]`).
    public var host: String
    /// nil for the scheme's default port.
    public var port: Int?
    /// The unencoded path, starting with `/` (`/bucket/a b.zarr/.zattrs`).
    public var path: String
    public var queryItems: [QueryItem]

    public init(
        scheme: String = "https", host: String, port: Int? = nil, path: String = "/", queryItems: [QueryItem] = []
    ) {
        self.scheme = scheme.lowercased()
        self.host = host
        self.port = port
        self.path = path.isEmpty ? "/" : path
        self.queryItems = queryItems
    }

    /// Parses `scheme://host[:port][/path]` (an endpoint such as `http://127.0.0.1:9000`);
    /// the path is taken as written, percent escapes decoded. nil for anything else
    /// (no scheme, an empty host, a port that is not a number, user info, a query).
    public init?(parsing text: String) {
        guard let schemeEnd = text.range(of: "://") else { return nil }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        let rest = text[schemeEnd.upperBound...]
        let authority = rest.prefix(while: { $0 != "/" })
        let path = String(rest.dropFirst(authority.count))
        if authority.contains("@") || authority.isEmpty || path.contains("?") || path.contains("#") { return nil }
        var host = Substring(authority)
        var port: Int?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let after = host[host.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let p = Int(after.dropFirst()), (0...65535).contains(p) else { return nil }
                port = p
            }
            host = host[...close]
        } else if let colon = host.lastIndex(of: ":") {
            guard let p = Int(host[host.index(after: colon)...]), (0...65535).contains(p) else { return nil }
            port = p
            host = host[..<colon]
        }
        guard !host.isEmpty, let decoded = RequestURL.percentDecoded(path) else { return nil }
        if port == RequestURL.defaultPort(scheme) { port = nil }
        self.init(scheme: scheme, host: String(host), port: port, path: decoded)
    }

    /// The `Host` header: the host in lower case, with the port unless it is the scheme's default.
    public var hostHeader: String {
        let name = host.lowercased()
        guard let port, port != RequestURL.defaultPort(scheme) else { return name }
        return "\(name):\(port)"
    }

    /// The path with each segment URI-encoded once, `/` kept, nothing normalised
    /// (S3 keys may hold `.`, `..` and `//`): SigV4's canonical URI for S3.
    public var encodedPath: String {
        let encoded = path.split(separator: "/", omittingEmptySubsequences: false)
            .map { RequestURL.uriEncode(String($0)) }.joined(separator: "/")
        return encoded.hasPrefix("/") ? encoded : "/" + encoded
    }

    /// The query items encoded, sorted by encoded name then encoded value, `&`-joined:
    /// SigV4's canonical query string.
    public var canonicalQuery: String {
        queryItems.map { (RequestURL.uriEncode($0.name), RequestURL.uriEncode($0.value)) }
            .sorted { a, b in
                a.0 != b.0 ? a.0.utf8.lexicographicallyPrecedes(b.0.utf8) : a.1.utf8.lexicographicallyPrecedes(b.1.utf8)
            }
            .map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// The URL to send.
    public var string: String {
        let query = canonicalQuery
        return "\(scheme)://\(hostHeader)\(encodedPath)" + (query.isEmpty ? "" : "?" + query)
    }

    static func defaultPort(_ scheme: String) -> Int? {
        switch scheme {
        case "http": 80
        case "https": 443
        default: nil
        }
    }

    /// RFC 3986 percent-encoding of the UTF-8 bytes of `text`, leaving only the
    /// unreserved characters `A-Z a-z 0-9 - _ . ~`, upper-case hex (SigV4's UriEncode).
    public static func uriEncode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(b)
            default:
                out += [UInt8(ascii: "%"), hex[Int(b >> 4)], hex[Int(b & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `%XX` escapes decoded; nil for a malformed escape or bytes that are not UTF-8.
    static func percentDecoded(_ text: String) -> String? {
        var out: [UInt8] = []
        var bytes = text.utf8.makeIterator()
        while let b = bytes.next() {
            guard b == UInt8(ascii: "%") else {
                out.append(b)
                continue
            }
            guard let h = bytes.next(), let l = bytes.next(), let hi = hexValue(h), let lo = hexValue(l) else {
                return nil
            }
            out.append(hi << 4 | lo)
        }
        return String(validating: out, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
