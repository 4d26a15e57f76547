import Foundation
import Testing
@testable import Stores

@Suite struct S3ListResultTests {
    /// The shape of the ListObjectsV2 example in the S3 API reference (a listing with a
    /// delimiter), with entities in the keys.
    @Test func documentationShape() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
              <Name>example-bucket</Name>
              <Prefix>photos/2006/</Prefix>
              <KeyCount>3</KeyCount>
              <MaxKeys>1000</MaxKeys>
              <Delimiter>/</Delimiter>
              <IsTruncated>false</IsTruncated>
              <Contents>
                <Key>photos/2006/</Key>
                <LastModified>2016-04-30T23:51:29.000Z</LastModified>
                <ETag>"d41d8cd98f00b204e9800998ecf8427e"</ETag>
                <Size>0</Size>
                <StorageClass>STANDARD</StorageClass>
              </Contents>
              <Contents><Key>photos/2006/a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#x1F600;&#65;.jpg</Key><Size>1</Size></Contents>
              <CommonPrefixes>
                <Prefix>photos/2006/February/</Prefix>
              </CommonPrefixes>
              <CommonPrefixes>
                <Prefix>photos/2006/January/</Prefix>
              </CommonPrefixes>
            </ListBucketResult>
            """
        let result = try S3ListResult(xml: xml)
        #expect(result.keys == ["photos/2006/", "photos/2006/a & b <c> \"d\" 'e' 😀A.jpg"])
        #expect(result.commonPrefixes == ["photos/2006/February/", "photos/2006/January/"])
        #expect(!result.isTruncated)
        #expect(result.nextContinuationToken == nil)
    }

    @Test func truncatedAndEmpty() throws {
        let page = try S3ListResult(
            xml: "<ListBucketResult><Prefix/><KeyCount>0</KeyCount><IsTruncated>true</IsTruncated>"
                + "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken></ListBucketResult>"
        )
        #expect(
            page
                == S3ListResult(
                    isTruncated: true, nextContinuationToken: "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM="))
        // Element names that merely start like the ones read are not read.
        let lookalike = try S3ListResult(
            xml: "<ListBucketResult><Contents><KeyCount>1</KeyCount><Key>k</Key></Contents></ListBucketResult>")
        #expect(lookalike.keys == ["k"])
        #expect(S3ListResult.decode("a &unknown; & b &#xZZ;") == "a &unknown; & b &#xZZ;")
    }

    @Test func errorDocument() {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>656c76696e6727732072657175657374</RequestId></Error>
            """
        #expect(throws: S3ListResult.Problem.errorResponse(code: "AccessDenied", message: "Access Denied")) {
            try S3ListResult(xml: xml)
        }
        #expect(throws: S3ListResult.Problem.notAListing(start: "<html>")) { try S3ListResult(xml: "<html>") }
    }

    /// A real server: moto's S3 in a thread of a Python process on a loopback port. Objects
    /// are put with boto3; the listings and ranged GETs are this module's URLs and signed headers,
    /// sent by urllib, and the listings are read with S3ListResult.
    @Test(.enabled(if: PythonReference.available, PythonReference.missing), .timeLimit(.minutes(2)))
    func motoServer() throws {
        let port = try freeLoopbackPort()
        let keys = [
            "data/a b+c=d~e.txt", "data/x&y<z>'\".bin", "data/\u{00FC}n\u{00EF}c\u{00F6}d\u{00E9}", "data/sub/c/0",
            "data/sub/d", "data/z/.zattrs", "other/k",
        ]
        let location = try S3Location(
            url: "s3://vstack-list-test/data/", environment: [:], explicitEndpoint: "http://127.0.0.1:\(port)")
        let signer = SigV4Signer(
            credentials: S3Credentials(accessKeyID: "testing", secretAccessKey: "testing"), region: location.region)
        let now = Date()
        var requests: [[String: Any]] = []
        func add(_ url: RequestURL, _ headers: [(name: String, value: String)] = []) {
            let signed = signer.sign(method: "GET", url: url, headers: headers, date: now)
            requests.append(["url": url.string, "headers": signed.headers.map { [$0.name, $0.value] }])
        }
        add(location.listURL())
        add(location.listURL(under: "sub"))
        var firstPage = location.listURL()
        firstPage.queryItems.append(.init("max-keys", "2"))
        add(firstPage)
        for key in keys.prefix(3) { add(location.objectURL(String(key.dropFirst(5))), [("Range", "bytes=2-5")]) }

        let input = try JSONSerialization.data(withJSONObject: [
            "port": port, "bucket": location.bucket, "keys": keys, "requests": requests,
        ])
        let script = """
            import json, sys, urllib.request, urllib.error
            import boto3
            from moto.server import ThreadedMotoServer
            job = json.load(sys.stdin)
            server = ThreadedMotoServer(ip_address="127.0.0.1", port=job["port"], verbose=False)
            server.start()
            try:
                s3 = boto3.client("s3", endpoint_url="http://127.0.0.1:%d" % job["port"], region_name="us-east-1",
                                  aws_access_key_id="testing", aws_secret_access_key="testing")
                s3.create_bucket(Bucket=job["bucket"])
                for key in job["keys"]:
                    s3.put_object(Bucket=job["bucket"], Key=key, Body=("<" + key + ">").encode())
                out = []
                for r in job["requests"]:
                    req = urllib.request.Request(r["url"], headers=dict(r["headers"]), method="GET")
                    try:
                        with urllib.request.urlopen(req, timeout=30) as resp:
                            out.append({"status": resp.status, "body": resp.read().decode()})
                    except urllib.error.HTTPError as e:
                        out.append({"status": e.code, "body": e.read().decode()})
                print(json.dumps(out))
            finally:
                server.stop()
            """
        let output = try PythonReference.run(script, input: String(decoding: input, as: UTF8.self))
        let responses = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]])
        try #require(responses.count == requests.count)
        for r in responses { #expect(r["status"] as? Int == 200 || r["status"] as? Int == 206, "\(r)") }
        let bodies = responses.map { $0["body"] as? String ?? "" }

        let root = try S3ListResult(xml: bodies[0])
        #expect(root.keys == keys.filter { $0.hasPrefix("data/") && !$0.dropFirst(5).contains("/") }.sorted())
        #expect(root.commonPrefixes == ["data/sub/", "data/z/"])
        #expect(!root.isTruncated)
        let sub = try S3ListResult(xml: bodies[1])
        #expect(sub.keys == ["data/sub/d"])
        #expect(sub.commonPrefixes == ["data/sub/c/"])
        let page = try S3ListResult(xml: bodies[2])
        #expect(page.isTruncated)
        #expect(page.keys.count + page.commonPrefixes.count == 2)
        #expect(page.nextContinuationToken?.isEmpty == false)
        for (i, key) in keys.prefix(3).enumerated() {
            let stored = Array(("<" + key + ">").utf8)
            #expect(Array(bodies[3 + i].utf8) == Array(stored[2...5]), "bytes 2-5 of \(key)")
        }
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, read back, closed).
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw PythonReference.Failure(description: "socket failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw PythonReference.Failure(description: "bind failed") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Bodies cut short or corrupted anywhere (a dropped connection, a hostile server) are
/// read without trapping: every prefix of a listing, and random bytes spliced into it.
@Suite struct S3ListResultDamageTests {
    static let listing = """
        <?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name>\
        <Prefix/><IsTruncated>true</IsTruncated><NextContinuationToken>t&amp;</NextContinuationToken>\
        <Contents><Key>a&#x41;&#65;&lt;</Key></Contents><CommonPrefixes><Prefix>p/</Prefix></CommonPrefixes></ListBucketResult>
        """

    @Test func everyPrefix() throws {
        let text = Array(Self.listing)
        for end in 0...text.count {
            _ = try? S3ListResult(xml: String(text[..<end]))
        }
        #expect(
            try S3ListResult(xml: Self.listing)
                == S3ListResult(commonPrefixes: ["p/"], keys: ["aAA<"], isTruncated: true, nextContinuationToken: "t&"))
    }

    @Test func randomSplices() {
        var rng = SystemRandomNumberGenerator()
        let pieces: [String] = [
            "<", ">", "/", "&", ";", "&#x", "&#", "<Key>", "</Key>", "<Key/>", "<Contents>", "</Contents>",
            "<CommonPrefixes>", "<Prefix", "\u{00FC}", "\r\n", "&#xD800;", "&#99999999999;",
        ]
        let text = Array(Self.listing)
        for _ in 0..<2000 {
            var damaged = text
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let at = Int.random(in: 0...damaged.count, using: &rng)
                damaged.insert(contentsOf: pieces.randomElement(using: &rng)!, at: at)
            }
            _ = try? S3ListResult(xml: String(damaged))
        }
    }
}
