/// A bucket and key prefix (`s3://bucket/prefix/`) and the URLs of its requests.
/// Requests are path-style (`<endpoint>/<bucket>/<prefix><key>`) when an endpoint is
/// given (`--endpoint`, `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`: MinIO, moto, a gateway)
/// or the bucket name has dots (a TLS certificate for `*.s3.<region>.amazonaws.com`
/// covers one label only); otherwise virtual-host (`https://<bucket>.s3.<region>.amazonaws.com/<prefix><key>`).
public struct S3Location: Sendable, Equatable, CustomStringConvertible {
    public var bucket: String
    /// The key prefix: empty, or ending with `/`.
    public var prefix: String
    public var region: String
    /// Where path-style requests go; nil for virtual-host addressing.
    public var endpoint: RequestURL?

    /// Why an `s3://` URL or an endpoint cannot be used.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case notS3URL(String)
        case noBucket(String)
        case badEndpoint(String)

        public var description: String {
            switch self {
            case let .notS3URL(url): "'\(url)' is not an s3:// URL"
            case let .noBucket(url): "'\(url)' names no bucket (s3://bucket/prefix/)"
            case let .badEndpoint(url): "endpoint '\(url)' is not an http:// or https:// URL (http://host:port)"
            }
        }
    }

    public init(bucket: String, prefix: String = "", region: String, endpoint: RequestURL? = nil) {
        self.bucket = bucket
        self.prefix = S3Location.directoryPrefix(prefix)
        self.region = region
        self.endpoint = endpoint
    }

    /// The location of `url` (`s3://bucket/prefix/`) as the environment sets it up:
    /// region from `AWS_REGION`, `AWS_DEFAULT_REGION`, else `us-east-1`; the endpoint
    /// `explicitEndpoint`, else `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`.
    public init(url: String, environment: [String: String], explicitEndpoint: String? = nil) throws(Problem) {
        let (bucket, prefix) = try S3Location.parse(url)
        let region = S3Location.region(environment: environment)
        let given = [explicitEndpoint, environment["AWS_ENDPOINT_URL_S3"], environment["AWS_ENDPOINT_URL"]]
            .compactMap { $0 }.first { !$0.isEmpty }
        var endpoint: RequestURL?
        if let given {
            guard let parsed = RequestURL(parsing: given) else { throw .badEndpoint(given) }
            endpoint = parsed
        } else if bucket.contains(".") {
            endpoint = RequestURL(host: "s3.\(region).amazonaws.com")
        }
        self.init(bucket: bucket, prefix: prefix, region: region, endpoint: endpoint)
    }

    /// `s3://bucket/some/prefix` → ("bucket", "some/prefix/"); the prefix is taken as written.
    public static func parse(_ url: String) throws(Problem) -> (bucket: String, prefix: String) {
        guard url.lowercased().hasPrefix("s3://") else { throw .notS3URL(url) }
        let rest = url.dropFirst(5)
        let bucket = rest.prefix(while: { $0 != "/" })
        guard !bucket.isEmpty else { throw .noBucket(url) }
        return (String(bucket), directoryPrefix(String(rest.dropFirst(bucket.count + 1))))
    }

    /// `AWS_REGION`, else `AWS_DEFAULT_REGION`, else `us-east-1`.
    public static func region(environment: [String: String]) -> String {
        [environment["AWS_REGION"], environment["AWS_DEFAULT_REGION"]].compactMap { $0 }.first { !$0.isEmpty }
            ?? "us-east-1"
    }

    public var usesPathStyle: Bool { endpoint != nil }

    /// The URL of the object `prefix + key`.
    public func objectURL(_ key: String) -> RequestURL {
        var url = bucketURL
        url.path += (url.path.hasSuffix("/") ? "" : "/") + prefix + key
        return url
    }

    /// A ListObjectsV2 request for the immediate children of `prefix + subprefix`
    /// (`?list-type=2&prefix=…&delimiter=/`), continuing a truncated listing when given its token.
    public func listURL(under subprefix: String = "", continuationToken: String? = nil) -> RequestURL {
        var url = bucketURL
        url.queryItems = [
            .init("list-type", "2"), .init("prefix", prefix + S3Location.directoryPrefix(subprefix)),
            .init("delimiter", "/"),
        ]
        if let continuationToken { url.queryItems.append(.init("continuation-token", continuationToken)) }
        return url
    }

    /// `s3://bucket/prefix/`, for messages.
    public var description: String { "s3://\(bucket)/\(prefix)" }

    /// The bucket's root: `<endpoint>/<bucket>` or `https://<bucket>.s3.<region>.amazonaws.com/`.
    private var bucketURL: RequestURL {
        guard var url = endpoint else { return RequestURL(host: "\(bucket).s3.\(region).amazonaws.com", path: "/") }
        url.path = (url.path.hasSuffix("/") ? String(url.path.dropLast()) : url.path) + "/" + bucket
        url.queryItems = []
        return url
    }

    /// "" stays empty; anything else ends with one `/` added if missing.
    public static func directoryPrefix(_ prefix: String) -> String {
        prefix.isEmpty || prefix.hasSuffix("/") ? prefix : prefix + "/"
    }
}
