import Foundation
import Testing
@testable import Stores

/// The worked examples AWS publishes: each step's expected text is copied from the documentation.
@Suite struct SigV4PublishedExampleTests {
    /// 2015-08-30T12:36:00Z, the date of the IAM example and of the test suite.
    static let suiteDate = Date(timeIntervalSince1970: 1_440_938_160)
    static let suiteCredentials = S3Credentials(
        accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")

    @Test func amzDate() {
        #expect(SigV4Signer.amzDate(Self.suiteDate) == "20150830T123600Z")
        #expect(SigV4Signer.amzDate(Date(timeIntervalSince1970: 1_369_353_600)) == "20130524T000000Z")
        #expect(SigV4Signer.amzDate(Date(timeIntervalSince1970: 0)) == "19700101T000000Z")
        #expect(SigV4Signer.amzDate(Date(timeIntervalSince1970: 951_782_399.9)) == "20000228T235959Z")
        #expect(SigV4Signer.amzDate(Date(timeIntervalSince1970: 951_782_400)) == "20000229T000000Z")
        #expect(SigV4Signer.amzDate(Date(timeIntervalSince1970: -1)) == "19691231T235959Z")
    }

    /// The General Reference's example: GET https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08
    /// (sigv4-create-canonical-request, -string-to-sign, -calculate-signature, -add-signature-to-request).
    @Test func iamListUsers() {
        let signer = SigV4Signer(credentials: Self.suiteCredentials, region: "us-east-1", service: "iam")
        let url = RequestURL(
            host: "iam.amazonaws.com", path: "/",
            queryItems: [.init("Action", "ListUsers"), .init("Version", "2010-05-08")])
        let s = signer.sign(
            method: "GET", url: url,
            headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
            date: Self.suiteDate)
        #expect(
            s.canonicalRequest == """
                GET
                /
                Action=ListUsers&Version=2010-05-08
                content-type:application/x-www-form-urlencoded; charset=utf-8
                host:iam.amazonaws.com
                x-amz-date:20150830T123600Z

                content-type;host;x-amz-date
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                """)
        #expect(
            s.stringToSign == """
                AWS4-HMAC-SHA256
                20150830T123600Z
                20150830/us-east-1/iam/aws4_request
                f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59
                """)
        #expect(SHA256.hex(s.signingKey) == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9")
        #expect(s.signature == "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")
        #expect(
            s.authorization == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
                + "SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        )
        #expect(
            !s.headers.contains { $0.name.lowercased() == "x-amz-content-sha256" }, "only S3 sends the payload hash")
    }

    /// The S3 API reference's example (sig-v4-header-based-auth, "GET Object"): the first 10 bytes of test.txt.
    @Test func s3GetObjectWithRange() {
        let signer = SigV4Signer(
            credentials: S3Credentials(
                accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            region: "us-east-1")
        let s = signer.sign(
            method: "GET", url: RequestURL(host: "examplebucket.s3.amazonaws.com", path: "/test.txt"),
            headers: [("Range", "bytes=0-9")], date: Date(timeIntervalSince1970: 1_369_353_600))
        #expect(
            s.canonicalRequest == """
                GET
                /test.txt

                host:examplebucket.s3.amazonaws.com
                range:bytes=0-9
                x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                x-amz-date:20130524T000000Z

                host;range;x-amz-content-sha256;x-amz-date
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                """)
        #expect(
            s.stringToSign == """
                AWS4-HMAC-SHA256
                20130524T000000Z
                20130524/us-east-1/s3/aws4_request
                7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972
                """)
        #expect(s.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        // The documentation writes the header without spaces after the commas; both forms are accepted.
        #expect(
            s.authorization.replacingOccurrences(of: ", ", with: ",")
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        )
        let sent = Dictionary(uniqueKeysWithValues: s.headers.map { ($0.name.lowercased(), $0.value) })
        #expect(sent["host"] == "examplebucket.s3.amazonaws.com")
        #expect(sent["range"] == "bytes=0-9")
        #expect(sent["x-amz-date"] == "20130524T000000Z")
        #expect(sent["x-amz-content-sha256"] == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(sent["authorization"] == s.authorization)
        #expect(sent["x-amz-security-token"] == nil)
    }

    /// A case of AWS's Signature Version 4 test suite (service "service", us-east-1, 2015-08-30T12:36:00Z):
    /// the request as parsed from its .req file, and its .creq, .sts and .authz files.
    struct SuiteCase: Sendable, CustomTestStringConvertible {
        let name: String
        let method: String
        let path: String
        let query: [(String, String)]
        let headers: [(String, String)]
        let token: String?
        let creq: String
        let sts: String
        let authz: String
        var testDescription: String { name }

        init(
            _ name: String, _ method: String = "GET", path: String = "/", query: [(String, String)] = [],
            headers: [(String, String)] = [], token: String? = nil, creq: String, sts: String, authz: String
        ) {
            self.name = name
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.token = token
            self.creq = creq
            self.sts = sts
            self.authz = authz
        }
    }

    static let token =
        "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="
    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    static let stsPrefix = "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
    static let authzPrefix = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
    static let plainHeaders = "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + emptyHash

    static let suite: [SuiteCase] = [
        SuiteCase(
            "get-vanilla", creq: "GET\n/\n\n" + plainHeaders,
            sts: stsPrefix + "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
            authz: authzPrefix
                + "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        ),
        SuiteCase(
            "get-vanilla-empty-query-key", query: [("Param1", "value1")],
            creq: "GET\n/\nParam1=value1\n" + plainHeaders,
            sts: stsPrefix + "1e24db194ed7d0eec2de28d7369675a243488e08526e8c1c73571282f7c517ab",
            authz: authzPrefix
                + "SignedHeaders=host;x-amz-date, Signature=a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"
        ),
        SuiteCase(
            "get-vanilla-query-order-key", query: [("Param1", "value2"), ("Param1", "Value1")],
            creq: "GET\n/\nParam1=Value1&Param1=value2\n" + plainHeaders,
            sts: stsPrefix + "704b4cef673542d84cdff252633f065e8daeba5f168b77116f8b1bcaf3d38f89",
            authz: authzPrefix
                + "SignedHeaders=host;x-amz-date, Signature=eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1"
        ),
        SuiteCase(
            "get-vanilla-query-order-key-case", query: [("Param2", "value2"), ("Param1", "value1")],
            creq: "GET\n/\nParam1=value1&Param2=value2\n" + plainHeaders,
            sts: stsPrefix + "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
            authz: authzPrefix
                + "SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
        ),
        SuiteCase(
            "get-vanilla-query-order-value", query: [("Param1", "value2"), ("Param1", "value1")],
            creq: "GET\n/\nParam1=value1&Param1=value2\n" + plainHeaders,
            sts: stsPrefix + "c968629d70850097a2d8781c9bf7edcb988b04cac14cca9be4acc3595f884606",
            authz: authzPrefix
                + "SignedHeaders=host;x-amz-date, Signature=5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"
        ),
        SuiteCase(
            "get-vanilla-query-unreserved",
            query: [
                (
                    "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                    "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                )
            ],
            creq:
                "GET\n/\n-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n"
                + plainHeaders,
            sts: stsPrefix + "c30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177",
            authz: authzPrefix
                + "SignedHeaders=host;x-amz-date, Signature=9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"
        ),
        SuiteCase(
            "get-vanilla-utf8-query", query: [("\u{1234}", "bar")], creq: "GET\n/\n%E1%88%B4=bar\n" + plainHeaders,
            sts: stsPrefix + "eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073",
            authz: authzPrefix
                + "SignedHeaders=host;x-amz-date, Signature=2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"
        ),
        SuiteCase(
            "get-unreserved", path: "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            creq: "GET\n/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n\n" + plainHeaders,
            sts: stsPrefix + "6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9",
            authz: authzPrefix
                + "SignedHeaders=host;x-amz-date, Signature=07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"
        ),
        // get-utf8 and get-space come from the suite's normalize-path group; neither path has
        // anything to normalise, so encoding once (as for S3) gives the suite's canonical URI.
        SuiteCase(
            "get-utf8", path: "/\u{1234}", creq: "GET\n/%E1%88%B4\n\n" + plainHeaders,
            sts: "",  // the suite's get-utf8 has no .sts file; the .authz is checked
            authz: authzPrefix
                + "SignedHeaders=host;x-amz-date, Signature=8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"
        ),
        SuiteCase(
            "get-space", path: "/example space/", creq: "GET\n/example%20space/\n\n" + plainHeaders,
            sts: stsPrefix + "63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86",
            authz: authzPrefix
                + "SignedHeaders=host;x-amz-date, Signature=652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"
        ),
        SuiteCase(
            "get-header-value-trim", headers: [("My-Header1", " value1"), ("My-Header2", " \"a   b   c\"")],
            creq:
                "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\nx-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n"
                + emptyHash,
            sts: stsPrefix + "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
            authz: authzPrefix
                + "SignedHeaders=host;my-header1;my-header2;x-amz-date, Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"
        ),
        SuiteCase(
            "get-header-key-duplicate",
            headers: [("My-Header1", "value2"), ("My-Header1", "value2"), ("My-Header1", "value1")],
            creq:
                "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n"
                + emptyHash,
            sts: stsPrefix + "dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c",
            authz: authzPrefix
                + "SignedHeaders=host;my-header1;x-amz-date, Signature=c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"
        ),
        SuiteCase(
            "get-header-value-order",
            headers: [
                ("My-Header1", "value4"), ("My-Header1", "value1"), ("My-Header1", "value3"), ("My-Header1", "value2"),
            ],
            creq:
                "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value4,value1,value3,value2\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n"
                + emptyHash,
            sts: stsPrefix + "31ce73cd3f3d9f66977ad3dd957dc47af14df92fcd8509f59b349e9137c58b86",
            authz: authzPrefix
                + "SignedHeaders=host;my-header1;x-amz-date, Signature=08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"
        ),
        SuiteCase(
            "post-header-value-case", "POST", headers: [("My-Header1", "VALUE1")],
            creq:
                "POST\n/\n\nhost:example.amazonaws.com\nmy-header1:VALUE1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n"
                + emptyHash,
            sts: stsPrefix + "d51ced243e649e3de6ef63afbbdcbca03131a21a7103a1583706a64618606a93",
            authz: authzPrefix
                + "SignedHeaders=host;my-header1;x-amz-date, Signature=cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"
        ),
        // The session token signed with the request (post-sts-header-before).
        SuiteCase(
            "post-sts-header-before", "POST", token: token,
            creq: "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\nx-amz-security-token:" + token
                + "\n\nhost;x-amz-date;x-amz-security-token\n" + emptyHash,
            sts: stsPrefix + "c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6",
            authz: authzPrefix
                + "SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"
        ),
    ]

    @Test(arguments: suite) func testSuite(_ c: SuiteCase) {
        var credentials = Self.suiteCredentials
        credentials.sessionToken = c.token
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "service")
        let url = RequestURL(host: "example.amazonaws.com", path: c.path, queryItems: c.query.map { .init($0.0, $0.1) })
        // The suite's requests carry Host and X-Amz-Date themselves; the signer makes its own.
        let headers = [("Host", "example.amazonaws.com")] + c.headers + [("X-Amz-Date", "20150830T123600Z")]
        let s = signer.sign(
            method: c.method, url: url, headers: headers.map { (name: $0.0, value: $0.1) }, date: Self.suiteDate)
        #expect(s.canonicalRequest == c.creq)
        if !c.sts.isEmpty { #expect(s.stringToSign == c.sts) }
        #expect(s.authorization == c.authz)
        #expect(s.headers.filter { $0.name.lowercased() == "host" }.count == 1)
        #expect(s.headers.filter { $0.name.lowercased() == "x-amz-date" }.count == 1)
    }
}
