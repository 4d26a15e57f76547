/// Objects below `s3://bucket/prefix`, read with signed (or anonymous) GET and HEAD requests.
public struct S3Store: Store {
    public let location: String
    let http: HTTPStore

    public init(_ location: String) throws {
        throw StoreError.cannotOpen(path: location, reason: "S3 is not wired in yet")
    }

    public func get(_ key: String) throws -> [UInt8]? { try http.get(key) }
    public func get(_ key: String, atMost limit: Int, limitName: String) throws -> [UInt8]? { try http.get(key, atMost: limit, limitName: limitName) }
    public func get(_ key: String, range: ByteRange) throws -> [UInt8]? { try http.get(key, range: range) }
    public func contains(_ key: String) throws -> Bool { try http.contains(key) }
    public var bytesRead: Int { http.bytesRead }
    public var isRemote: Bool { true }
}
