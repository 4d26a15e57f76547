/// The store a location names: `http(s)://…` a remote HTTP store, `s3://bucket/prefix`
/// an S3 bucket, anything else a local directory.
public enum StoreLocation {
    public static func open(_ location: String) throws -> Store {
        let lower = location.prefix(8).lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") { return HTTPStore(base: location) }
        if lower.hasPrefix("s3://") { return try S3Store(location) }
        return LocalStore(root: location)
    }
}
