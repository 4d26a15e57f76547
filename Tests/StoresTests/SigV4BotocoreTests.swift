import Foundation
import Testing
@testable import Stores

/// The signer against botocore's `S3SigV4Auth`, the signer of boto3 and the AWS CLI, on
/// varied S3 requests at one fixed time. Python builds each request from the raw parts
/// itself: the path encoded as botocore's S3 serializer does (`quote(key, safe="/~")`),
/// the query given as parameters, the Host taken from the URL. For S3, botocore signs
/// `x-amz-content-sha256` (the hash of the empty body for a GET over http or https
/// without a checksum header), which is what this signer sends.
@Suite struct SigV4BotocoreTests {
    struct Case {
        var method = "GET"
        var scheme = "https"
        var host = "bucket.s3.us-east-1.amazonaws.com"
        var port: Int?
        var path: String
        var query: [(String, String)] = []
        var headers: [(String, String)] = []
        var region = "us-east-1"
        var accessKeyID = "AKIAIOSFODNN7EXAMPLE"
        var secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        var token: String?
    }

    static let cases: [Case] = [
        Case(path: "/data/img.zarr/.zattrs"),
        Case(path: "/data/a key with spaces/0.0"),
        Case(path: "/data/\u{00FC}nic\u{00F6}de/\u{65E5}\u{672C}/\u{1F600}"),
        Case(path: "/data/+=~&,;:@$!*'()[]{}|^`\"<>\\#?/k"),
        Case(path: "/data/100%/%41%2F"),
        Case(path: "/data/./../a//b/..."),
        Case(path: "/data/chunk", headers: [("Range", "bytes=0-9")]),
        Case(path: "/data/shard", headers: [("Range", "bytes=-100")]),
        Case(path: "/data/chunk", headers: [("Range", "  bytes=10-19  ")]),
        Case(path: "/data/chunk", token: "FwoGZXIvYXdzEJr//////////wEaDO+token/with+signs=="),
        Case(scheme: "http", host: "127.0.0.1", port: 9000, path: "/bucket/data/0/c/1/2"),
        Case(scheme: "http", host: "LocalHost", port: 9000, path: "/bucket/data/ü b", headers: [("Range", "bytes=5-")]),
        Case(scheme: "https", host: "s3.example.com", port: 443, path: "/bucket/k"),
        Case(scheme: "http", host: "s3.example.com", port: 80, path: "/bucket/k"),
        Case(scheme: "http", host: "[::1]", port: 9000, path: "/bucket/k"),
        Case(path: "/", query: [("list-type", "2"), ("prefix", "data/img.zarr/"), ("delimiter", "/")]),
        Case(
            path: "/",
            query: [
                ("list-type", "2"), ("prefix", "a b/ü+x/"), ("delimiter", "/"),
                ("continuation-token", "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM="),
            ]),
        Case(
            scheme: "http", host: "127.0.0.1", port: 9000, path: "/bucket",
            query: [("list-type", "2"), ("prefix", ""), ("delimiter", "/")],
            token: "session"),
        Case(path: "/", query: [("b", "2"), ("a", "2"), ("a", "1"), ("A", "3"), ("a~", ""), ("\u{00E9}", "\u{1234}")]),
        Case(method: "HEAD", path: "/data/.zgroup"),
        Case(host: "s3.eu-west-1.amazonaws.com", path: "/my.dotted.bucket/data/k", region: "eu-west-1"),
        Case(
            host: "bucket.s3.ap-southeast-2.amazonaws.com", path: "/k", headers: [("x-amz-request-payer", "requester")],
            region: "ap-southeast-2", accessKeyID: "ASIAEXAMPLE", secret: "a+b/c=d", token: "t"),
    ]

    @Test(.enabled(if: PythonReference.available, PythonReference.missing))
    func matchesBotocore() throws {
        // 2026-02-03T04:05:06Z: a time far from either documented example.
        let date = Date(timeIntervalSince1970: 1_770_091_506)
        var jobs: [[String: Any]] = []
        var mine: [SigV4Signer.Signature] = []
        var paths: [String] = []
        for c in Self.cases {
            let signer = SigV4Signer(
                credentials: S3Credentials(
                    accessKeyID: c.accessKeyID, secretAccessKey: c.secret, sessionToken: c.token),
                region: c.region)
            let url = RequestURL(
                scheme: c.scheme, host: c.host, port: c.port, path: c.path,
                queryItems: c.query.map { .init($0.0, $0.1) })
            mine.append(
                signer.sign(
                    method: c.method, url: url, headers: c.headers.map { (name: $0.0, value: $0.1) }, date: date))
            paths.append(url.encodedPath)
            var job: [String: Any] = [
                "method": c.method, "scheme": c.scheme, "host": c.host, "path": c.path,
                "query": c.query.map { [$0.0, $0.1] }, "headers": c.headers.map { [$0.0, $0.1] },
                "region": c.region, "key": c.accessKeyID, "secret": c.secret,
            ]
            if let port = c.port { job["port"] = port }
            if let token = c.token { job["token"] = token }
            jobs.append(job)
        }
        let script = """
            import datetime, json, sys
            from urllib.parse import quote
            import botocore.auth
            from botocore.auth import S3SigV4Auth
            from botocore.awsrequest import AWSRequest
            from botocore.credentials import Credentials
            botocore.auth.get_current_datetime = lambda remove_tzinfo=True: datetime.datetime(2026, 2, 3, 4, 5, 6)

            class Capturing(S3SigV4Auth):
                def canonical_request(self, request):
                    self.creq = super().canonical_request(request)
                    return self.creq

            out = []
            for job in json.load(sys.stdin):
                netloc = job["host"] + (":%d" % job["port"] if "port" in job else "")
                path = quote(job["path"], safe="/~")
                request = AWSRequest(method=job["method"], url="%s://%s%s" % (job["scheme"], netloc, path),
                                     headers=dict(job["headers"]), params=[tuple(q) for q in job["query"]])
                signer = Capturing(Credentials(job["key"], job["secret"], job.get("token")), "s3", job["region"])
                signer.add_auth(request)
                h = request.headers
                out.append({"authorization": h["Authorization"], "creq": signer.creq, "path": path,
                            "date": h["X-Amz-Date"], "sha": h["X-Amz-Content-SHA256"], "token": h.get("X-Amz-Security-Token")})
            print(json.dumps(out))
            """
        let input = try JSONSerialization.data(withJSONObject: jobs)
        let output = try PythonReference.run(script, input: String(decoding: input, as: UTF8.self))
        let theirs = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]])
        try #require(theirs.count == Self.cases.count)
        for (i, (m, t)) in zip(mine, theirs).enumerated() {
            let sent = Dictionary(m.headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
            #expect(paths[i] == t["path"] as? String, "case \(i): encoded path")
            #expect(m.canonicalRequest == t["creq"] as? String, "case \(i): canonical request")
            #expect(m.authorization == t["authorization"] as? String, "case \(i): \(Self.cases[i].path)")
            #expect(sent["x-amz-date"] == t["date"] as? String, "case \(i)")
            #expect(sent["x-amz-content-sha256"] == t["sha"] as? String, "case \(i)")
            #expect(sent["x-amz-security-token"] == t["token"] as? String, "case \(i)")
        }
    }
}
