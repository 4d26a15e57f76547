import Threads
import Foundation

/// Objects below `s3://bucket/prefix`, read with GET and HEAD requests signed with
/// AWS Signature V4 — or unsigned for a public bucket (`--anon`, or when no
/// credentials are found). Endpoint, region and credentials come from the
/// environment (`AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_PROFILE`, …).
/// Lists with ListObjectsV2.
public struct S3Store: Store {
    public let location: String
    public let s3: S3Location
    let http: HTTPStore

    public init(
        _ location: String, environment: [String: String] = ProcessInfo.processInfo.environment,
        client: HTTPClient = .shared
    ) throws {
        let s3: S3Location
        do throws(S3Location.Problem) {
            s3 = try S3Location(url: location, environment: environment)
        } catch {
            throw StoreError.badS3Location(location: location, problem: error)
        }
        let source = S3CredentialSource(
            environment: environment, readFile: { try? String(contentsOfFile: $0, encoding: .utf8) })
        let credentials = client.options.anonymous ? nil : source.credentials()
        let tried =
            client.options.anonymous
            ? "--anon: no credentials are sent"
            : credentials == nil
                ? "no credentials found: \(source.searchDescription)"
                : "signed with the credentials from \(environment["AWS_ACCESS_KEY_ID"] != nil ? "AWS_ACCESS_KEY_ID" : "profile '\(source.profile)'")"
        let hint = credentials == nil ? "; check the bucket is public" : "; use --anon for a public bucket"
        var base = s3.objectURL("").string
        while base.hasSuffix("/") { base.removeLast() }
        let signer = credentials.map { SigV4Signer(credentials: $0, region: s3.region) }
        (self.location, self.s3) = (location, s3)
        var authorize: (@Sendable (HTTPClient.Method, String, [String]) throws -> [String])? = nil
        if let signer {
            authorize = { method, url, headers in try S3Store.sign(signer, method: method, url: url, headers: headers) }
        }
        http = HTTPStore(base: base, client: client, credentials: tried + hint, authorize: authorize)
    }

    /// The headers SigV4 adds to a request (the others are passed in, since `Range` is signed too).
    static func sign(
        _ signer: SigV4Signer, method: HTTPClient.Method, url: String, headers: [String]
    ) throws -> [String] {
        guard let request = RequestURL(parsing: url) else {
            throw StoreError.badAnswer(url: url, problem: "not a URL that can be signed")
        }
        let given = headers.compactMap { h -> (name: String, value: String)? in
            guard let colon = h.firstIndex(of: ":") else { return nil }
            return (String(h[..<colon]), String(h[h.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
        }
        let signature = signer.sign(method: method.rawValue, url: request, headers: given, date: Date())
        let givenNames = Set(given.map { $0.name.lowercased() })
        // curl sets Host itself from the URL; the signed value is the same.
        return signature.headers.filter { !givenNames.contains($0.name.lowercased()) && $0.name.lowercased() != "host" }
            .map { "\($0.name): \($0.value)" }
    }

    public func get(_ key: String, cancellation: JobToken?) throws -> [UInt8]? {
        try http.get(key, cancellation: cancellation)
    }
    public func get(
        _ key: String, atMost limit: Int, limitName: String, cancellation: JobToken?
    ) throws -> [UInt8]? {
        try http.get(key, atMost: limit, limitName: limitName, cancellation: cancellation)
    }
    public func get(_ key: String, range: ByteRange, cancellation: JobToken?) throws -> [UInt8]? {
        try http.get(key, range: range, cancellation: cancellation)
    }
    public func contains(_ key: String) throws -> Bool { try http.contains(key) }
    public func size(_ key: String) throws -> Int? { try http.size(key) }
    public func prefetchMetadata(_ keys: [String]) { http.prefetchMetadata(keys) }
    public var bytesRead: Int { http.bytesRead }
    public var isRemote: Bool { true }

    /// The immediate children below `prefix` (objects and "directories"), by ListObjectsV2.
    public func list(_ prefix: String) throws -> [String] {
        var names: [String] = []
        var token: String? = nil
        let below = s3.prefix + S3Location.directoryPrefix(prefix)
        for _ in 0..<100 {  // at most 100 pages of 1000
            let url = s3.listURL(under: prefix, continuationToken: token).string
            let extra = try http.authorize?(.get, url, []) ?? []
            let response = try http.client.send(.get, url, headers: extra)
            guard response.status == 200 else {
                if response.status == 401 || response.status == 403 {
                    throw StoreError.refused(url: url, status: response.status, credentials: http.credentials)
                }
                throw StoreError.httpStatus(url: url, status: response.status, tries: 1)
            }
            let page: S3ListResult
            do throws(S3ListResult.Problem) {
                page = try S3ListResult(xml: String(decoding: response.body, as: UTF8.self))
            } catch {
                throw StoreError.badS3Listing(url: url, problem: error)
            }
            for p in page.commonPrefixes + page.keys where p.hasPrefix(below) {
                let name = p.dropFirst(below.count).split(separator: "/").first.map(String.init) ?? ""
                if !name.isEmpty { names.append(name) }
            }
            guard page.isTruncated, let next = page.nextContinuationToken else { break }
            token = next
        }
        return Array(Set(names)).sorted()
    }
}
