#if canImport(Glibc)
import Glibc
#endif

/// Where HTTPS trust comes from. libcurl's compiled-in CA file is the build system's (Debian's
/// `/etc/ssl/certs/ca-certificates.crt`); the release bundle also runs on RHEL, SUSE and others,
/// which keep it elsewhere, so the file is looked up (`SSL_CERT_FILE` / `CURL_CA_BUNDLE` /
/// `SSL_CERT_DIR` override the search, as for curl and OpenSSL).
public struct CertificateTrust: Sendable, Equatable {
    /// The CA file given to libcurl (CURLOPT_CAINFO), nil when none was found or given.
    public var file: String?
    /// The CA directory given to libcurl (CURLOPT_CAPATH), from SSL_CERT_DIR only.
    public var directory: String?
    /// The environment variable that chose `file`, nil when it was found by the search.
    public var variable: String?

    /// The distributions' CA bundles, in search order: Debian/Ubuntu, RHEL/Rocky/Fedora, SUSE, others.
    public static let candidates = [
        "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/ca-bundle.pem",
        "/etc/ssl/cert.pem",
    ]

    /// The trust for this process's environment (`environment` names a variable's value, for tests).
    public static func lookUp(
        _ environment: (String) -> String? = { getenv($0).map { String(cString: $0) } },
        exists: (String) -> Bool = { access($0, R_OK) == 0 }
    ) -> CertificateTrust {
        let directory = environment("SSL_CERT_DIR").flatMap { $0.isEmpty ? nil : $0 }
        for variable in ["SSL_CERT_FILE", "CURL_CA_BUNDLE"] {
            if let file = environment(variable), !file.isEmpty {
                return CertificateTrust(file: file, directory: directory, variable: variable)
            }
        }
        return CertificateTrust(file: candidates.first(where: exists), directory: directory, variable: nil)
    }

    public static let current = lookUp()

    /// Why verification failed, in one line: the file tried and the variable that overrides it.
    public var verificationFailure: String {
        let skip = "--insecure skips the check"
        if let file {
            let how = variable.map { "\($0)=\(file)" } ?? file
            return "TLS certificate not trusted by the CA file \(how) (SSL_CERT_FILE names another; \(skip))"
        }
        if let directory {
            return "TLS certificate not trusted by the CA directory SSL_CERT_DIR=\(directory)"
                + " (SSL_CERT_FILE names a CA file; \(skip))"
        }
        let tried = Self.candidates.joined(separator: ", ")
        return "TLS certificate cannot be verified: no CA file found (tried \(tried));"
            + " set SSL_CERT_FILE to one (\(skip))"
    }
}
