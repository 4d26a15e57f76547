import Testing
@testable import Stores

@Suite struct S3LocationTests {
    @Test(arguments: [
        ("s3://bucket", "bucket", ""),
        ("s3://bucket/", "bucket", ""),
        ("s3://bucket/data", "bucket", "data/"),
        ("s3://bucket/data/img.zarr/", "bucket", "data/img.zarr/"),
        ("S3://bucket/a b/ü/", "bucket", "a b/ü/"),
        ("s3://my.dotted.bucket/x/y", "my.dotted.bucket", "x/y/"),
    ])
    func parse(url: String, bucket: String, prefix: String) throws {
        let parsed = try S3Location.parse(url)
        #expect(parsed.bucket == bucket)
        #expect(parsed.prefix == prefix)
    }

    @Test func parseRejects() {
        #expect(throws: S3Location.Problem.notS3URL("http://bucket/x")) { try S3Location.parse("http://bucket/x") }
        #expect(throws: S3Location.Problem.notS3URL("bucket/x")) { try S3Location.parse("bucket/x") }
        #expect(throws: S3Location.Problem.noBucket("s3://")) { try S3Location.parse("s3://") }
        #expect(throws: S3Location.Problem.noBucket("s3:///x")) { try S3Location.parse("s3:///x") }
        #expect(throws: S3Location.Problem.badEndpoint("127.0.0.1:9000")) {
            try S3Location(url: "s3://b/", environment: ["AWS_ENDPOINT_URL": "127.0.0.1:9000"])
        }
        #expect(throws: S3Location.Problem.badEndpoint("ftp://h")) {
            try S3Location(url: "s3://b/", environment: [:], explicitEndpoint: "ftp://h")
        }
    }

    @Test(arguments: [
        ([String: String](), "us-east-1"),
        (["AWS_DEFAULT_REGION": "eu-west-2"], "eu-west-2"),
        (["AWS_REGION": "ap-south-1", "AWS_DEFAULT_REGION": "eu-west-2"], "ap-south-1"),
        (["AWS_REGION": "", "AWS_DEFAULT_REGION": "eu-west-2"], "eu-west-2"),
    ])
    func region(environment: [String: String], expected: String) {
        #expect(S3Location.region(environment: environment) == expected)
    }

    /// Object URLs by the addressing rules: virtual-host by default, path-style with an
    /// endpoint (explicit, then AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL) or a dotted bucket.
    @Test(arguments: [
        (
            "s3://bucket/data/img.zarr/", [String: String](), nil as String?, ".zattrs",
            "https://bucket.s3.us-east-1.amazonaws.com/data/img.zarr/.zattrs", false
        ),
        (
            "s3://bucket/data/", ["AWS_REGION": "eu-central-1"], nil, "0/c/1/2",
            "https://bucket.s3.eu-central-1.amazonaws.com/data/0/c/1/2", false
        ),
        ("s3://bucket", [:], nil, "x", "https://bucket.s3.us-east-1.amazonaws.com/x", false),
        (
            "s3://bucket/data/", ["AWS_ENDPOINT_URL": "http://127.0.0.1:9000"], nil, "a.zarr/.zgroup",
            "http://127.0.0.1:9000/bucket/data/a.zarr/.zgroup", true
        ),
        (
            "s3://bucket/data/",
            ["AWS_ENDPOINT_URL": "http://127.0.0.1:9000", "AWS_ENDPOINT_URL_S3": "http://localhost:9100"], nil, "k",
            "http://localhost:9100/bucket/data/k", true
        ),
        (
            "s3://bucket/data/", ["AWS_ENDPOINT_URL": "http://127.0.0.1:9000"], "https://gw.example.com/s3/", "k",
            "https://gw.example.com/s3/bucket/data/k", true
        ),
        ("s3://bucket/", [:], "https://GW.Example.com:443", "k", "https://gw.example.com/bucket/k", true),
        ("s3://bucket/", [:], "http://[::1]:9000", "k", "http://[::1]:9000/bucket/k", true),
        (
            "s3://my.dotted.bucket/p/", ["AWS_REGION": "us-west-2"], nil, "k",
            "https://s3.us-west-2.amazonaws.com/my.dotted.bucket/p/k", true
        ),
        (
            "s3://bucket/a b/", [:], nil, "ü+=~ x/%.zarr",
            "https://bucket.s3.us-east-1.amazonaws.com/a%20b/%C3%BC%2B%3D~%20x/%25.zarr", false
        ),
    ])
    func objectURL(
        url: String, environment: [String: String], endpoint: String?, key: String, expected: String, pathStyle: Bool
    ) throws {
        let location = try S3Location(url: url, environment: environment, explicitEndpoint: endpoint)
        #expect(location.objectURL(key).string == expected)
        #expect(location.usesPathStyle == pathStyle)
    }

    @Test func listURL() throws {
        let virtual = try S3Location(url: "s3://bucket/data/", environment: [:])
        #expect(
            virtual.listURL().string
                == "https://bucket.s3.us-east-1.amazonaws.com/?delimiter=%2F&list-type=2&prefix=data%2F")
        #expect(
            virtual.listURL(under: "img.zarr").queryItems
                == [.init("list-type", "2"), .init("prefix", "data/img.zarr/"), .init("delimiter", "/")])
        let path = try S3Location(url: "s3://bucket/", environment: ["AWS_ENDPOINT_URL": "http://127.0.0.1:9000"])
        #expect(
            path.listURL(under: "a b/", continuationToken: "1/x+y=").string
                == "http://127.0.0.1:9000/bucket?continuation-token=1%2Fx%2By%3D&delimiter=%2F&list-type=2&prefix=a%20b%2F"
        )
        #expect(path.listURL().path == "/bucket")
    }

    @Test(arguments: [
        ("http://127.0.0.1:9000", "http", "127.0.0.1", 9000 as Int?, "/", "127.0.0.1:9000"),
        ("https://s3.example.com", "https", "s3.example.com", nil, "/", "s3.example.com"),
        ("HTTP://Example.COM:80/", "http", "Example.COM", nil, "/", "example.com"),
        ("https://h:8443/base/path", "https", "h", 8443, "/base/path", "h:8443"),
        ("http://[::1]:9000", "http", "[::1]", 9000, "/", "[::1]:9000"),
        ("http://h/a%20b", "http", "h", nil, "/a b", "h"),
    ])
    func parseEndpoint(text: String, scheme: String, host: String, port: Int?, path: String, hostHeader: String) throws
    {
        let url = try #require(RequestURL(parsing: text))
        #expect(url.scheme == scheme)
        #expect(url.host == host)
        #expect(url.port == port)
        #expect(url.path == path)
        #expect(url.hostHeader == hostHeader)
    }

    @Test(arguments: [
        "127.0.0.1:9000", "ftp://h", "http://", "http://h:port", "http://u@h", "http://h/?q", "http://h:70000",
        "http://h/%zz",
    ])
    func rejectEndpoint(text: String) {
        #expect(RequestURL(parsing: text) == nil)
    }

    /// RFC 3986's unreserved set is kept; every other byte of the UTF-8 is %XX, upper case.
    @Test func uriEncode() {
        #expect(RequestURL.uriEncode("AZaz09-_.~") == "AZaz09-_.~")
        #expect(
            RequestURL.uriEncode(" !\"#$%&'()*+,/:;<=>?@[\\]^`{|}")
                == "%20%21%22%23%24%25%26%27%28%29%2A%2B%2C%2F%3A%3B%3C%3D%3E%3F%40%5B%5C%5D%5E%60%7B%7C%7D")
        #expect(RequestURL.uriEncode("é\u{1234}😀") == "%C3%A9%E1%88%B4%F0%9F%98%80")
        // S3 paths: segments encoded once, `.` `..` and empty segments kept as they are.
        #expect(RequestURL(host: "h", path: "/b/./../a//c d/").encodedPath == "/b/./../a//c%20d/")
    }
}
