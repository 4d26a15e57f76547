import CCurl

/// The version of libcurl this executable loads, and its TLS backend, asked of libcurl at run time.
public enum StoreLibraries {
    public static var versions: [(name: String, version: String)] {
        let info = vstack_curl_version_info().pointee
        var result = [("libcurl", String(cString: info.version))]
        if let ssl = info.ssl_version { result.append(("TLS", String(cString: ssl))) }
        let trust = CertificateTrust.current
        let caFile = trust.file.map { path in trust.variable.map { "\(path) (\($0))" } ?? path }
        result.append(("CA file", caFile ?? "none found"))
        return result
    }
}
