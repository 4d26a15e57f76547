import Foundation

/// An AWS access key: the ID sent with each request, the secret that signs it,
/// and the session token of temporary credentials (STS, SSO), sent as `x-amz-security-token`.
public struct S3Credentials: Sendable, Equatable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }
}

/// AWS Signature Version 4 in the `Authorization` header, as the published specification
/// describes it: canonical request → string to sign → HMAC chain from `"AWS4" + secret`.
/// Paths are encoded once and never normalised, as S3 wants.
public struct SigV4Signer: Sendable {
    public var credentials: S3Credentials
    public var region: String
    public var service: String
    /// Whether `x-amz-content-sha256` is sent and signed: S3 requires it; the
    /// other services (and AWS's generic test suite) do not use it.
    public var sendsContentHash: Bool

    public init(credentials: S3Credentials, region: String, service: String = "s3", sendsContentHash: Bool? = nil) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.sendsContentHash = sendsContentHash ?? (service == "s3")
    }

    /// Each step of one signature, so that each can be checked against the specification's examples.
    public struct Signature: Sendable {
        public let canonicalRequest: String
        public let stringToSign: String
        /// `yyyymmdd/region/service/aws4_request`.
        public let credentialScope: String
        public let signingKey: [UInt8]
        /// Lower-case hex.
        public let signature: String
        /// `name;name;…`, lower case, sorted.
        public let signedHeaders: String
        public let authorization: String
        /// Every header to send: the caller's, then `Host`, `x-amz-date`, `x-amz-content-sha256`
        /// (S3), `x-amz-security-token` (temporary credentials) and `Authorization`.
        public let headers: [(name: String, value: String)]
    }

    /// The SHA-256 of the empty payload, the body of every GET and HEAD.
    public static let emptyPayloadHash = SHA256.hex(SHA256.hash([UInt8]()))

    /// Signs a request. `headers` are the caller's own (such as `Range`); a `Host`,
    /// `x-amz-date`, `x-amz-content-sha256`, `x-amz-security-token` or `Authorization`
    /// among them is replaced by the signer's. A name given more than once is signed
    /// as its values joined with `,`, in the order given.
    public func sign(
        method: String, url: RequestURL, headers: [(name: String, value: String)] = [],
        payload: [UInt8] = [], date: Date
    ) -> Signature {
        let amzDate = SigV4Signer.amzDate(date)
        let dateStamp = String(amzDate.prefix(8))
        let payloadHash = payload.isEmpty ? SigV4Signer.emptyPayloadHash : SHA256.hex(SHA256.hash(payload))

        let own: Set<String> = ["host", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token", "authorization"]
        var sent = headers.filter { !own.contains($0.name.lowercased()) }
        sent.append((name: "Host", value: url.hostHeader))
        sent.append((name: "x-amz-date", value: amzDate))
        if sendsContentHash { sent.append((name: "x-amz-content-sha256", value: payloadHash)) }
        if let token = credentials.sessionToken { sent.append((name: "x-amz-security-token", value: token)) }

        // Canonical headers: lower-case names, sorted; values trimmed, inner runs of spaces collapsed.
        var values: [String: [String]] = [:]
        for (name, value) in sent { values[name.lowercased(), default: []].append(SigV4Signer.trimAll(value)) }
        let names = values.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let canonicalHeaders = names.map { "\($0):\(values[$0]!.joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")

        let canonicalRequest = [
            method.uppercased(), url.encodedPath, url.canonicalQuery, canonicalHeaders, signedHeaders, payloadHash,
        ].joined(separator: "\n")
        let scope = "\(dateStamp)/\(region)/\(service)/aws4_request"
        let stringToSign = [
            "AWS4-HMAC-SHA256", amzDate, scope, SHA256.hex(SHA256.hash(canonicalRequest)),
        ].joined(separator: "\n")
        let key = signingKey(dateStamp: dateStamp)
        let signature = SHA256.hex(HMAC.sha256(key: key, message: stringToSign))
        let authorization =
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), "
            + "SignedHeaders=\(signedHeaders), Signature=\(signature)"
        sent.append((name: "Authorization", value: authorization))
        return Signature(
            canonicalRequest: canonicalRequest, stringToSign: stringToSign, credentialScope: scope,
            signingKey: key, signature: signature, signedHeaders: signedHeaders,
            authorization: authorization, headers: sent)
    }

    /// HMAC(HMAC(HMAC(HMAC("AWS4" + secret, yyyymmdd), region), service), "aws4_request").
    public func signingKey(dateStamp: String) -> [UInt8] {
        let kDate = HMAC.sha256(key: Array(("AWS4" + credentials.secretAccessKey).utf8), message: dateStamp)
        let kRegion = HMAC.sha256(key: kDate, message: region)
        let kService = HMAC.sha256(key: kRegion, message: service)
        return HMAC.sha256(key: kService, message: "aws4_request")
    }

    /// `yyyymmddThhmmssZ` in UTC (ISO 8601 basic), computed from the epoch without a
    /// calendar or locale (days to civil date: H. Hinnant's algorithm).
    public static func amzDate(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secondOfDay = seconds - days * 86400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ n: Int64, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return pad(year, 4) + pad(month, 2) + pad(day, 2) + "T"
            + pad(secondOfDay / 3600, 2) + pad(secondOfDay / 60 % 60, 2) + pad(secondOfDay % 60, 2) + "Z"
    }

    /// Leading and trailing whitespace removed, inner runs of it made one space (the spec's Trimall).
    static func trimAll(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).joined(separator: " ")
    }
}
