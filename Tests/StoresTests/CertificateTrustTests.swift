import Testing
@testable import Stores

/// The CA file search the README's "Install" section describes: SSL_CERT_FILE, then
/// CURL_CA_BUNDLE, else the first existing file of Debian's, RHEL's, SUSE's and the BSD-style path.
@Suite struct CertificateTrustTests {
    static let readme = [
        "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/ca-bundle.pem",
        "/etc/ssl/cert.pem",
    ]

    @Test func searchOrderIsTheReadmes() {
        #expect(CertificateTrust.candidates == Self.readme)
        for (i, path) in Self.readme.enumerated() {
            let present = Set(Self.readme[i...])
            let trust = CertificateTrust.lookUp({ _ in nil }, exists: { present.contains($0) })
            #expect(trust.file == path && trust.variable == nil && trust.directory == nil)
        }
    }

    @Test func variablesWinOverTheSearch() {
        let env = ["SSL_CERT_FILE": "/a.pem", "CURL_CA_BUNDLE": "/b.pem", "SSL_CERT_DIR": "/certs"]
        var trust = CertificateTrust.lookUp({ env[$0] }, exists: { _ in true })
        #expect(trust.file == "/a.pem" && trust.variable == "SSL_CERT_FILE" && trust.directory == "/certs")
        trust = CertificateTrust.lookUp({ $0 == "CURL_CA_BUNDLE" ? "/b.pem" : nil }, exists: { _ in true })
        #expect(trust.file == "/b.pem" && trust.variable == "CURL_CA_BUNDLE")
        trust = CertificateTrust.lookUp({ $0 == "SSL_CERT_FILE" ? "" : nil }, exists: { $0 == Self.readme[1] })
        #expect(trust.file == Self.readme[1] && trust.variable == nil)  // an empty variable is unset
    }

    @Test func failuresAreOneLineNamingTheFileAndSSLCertFile() {
        let found = CertificateTrust.lookUp({ _ in nil }, exists: { $0 == Self.readme[1] })
        let none = CertificateTrust.lookUp({ _ in nil }, exists: { _ in false })
        #expect(none.file == nil)
        for (trust, names) in [(found, Self.readme[1]), (none, Self.readme[0])] {
            let line = trust.verificationFailure
            #expect(!line.contains("\n") && line.contains("SSL_CERT_FILE") && line.contains(names), "\(line)")
        }
    }
}
