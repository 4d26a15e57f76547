import Testing
@testable import Stores

@Suite struct S3CredentialSourceTests {
    static let file = """
        # a comment
        [default]
        aws_access_key_id = AKIDDEFAULT
        aws_secret_access_key = secret/default+key

        [dev]
        AWS_Access_Key_ID=AKIDDEV
        aws_secret_access_key   =   dev secret with spaces  
        aws_session_token = FwoGZXIvYXdz//token==
        ; another comment
        region = eu-west-1

        [broken]
        aws_access_key_id = AKIDBROKEN
        """

    /// A reader that knows only one path, so the path computed is checked too.
    static func reader(_ path: String, _ text: String) -> @Sendable (String) -> String? {
        { $0 == path ? text : nil }
    }

    @Test(arguments: [
        // The environment first, with or without a session token.
        (
            ["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "envsecret", "HOME": "/h"],
            S3Credentials(accessKeyID: "AKIDENV", secretAccessKey: "envsecret") as S3Credentials?
        ),
        (
            [
                "AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "envsecret", "AWS_SESSION_TOKEN": "tok",
                "AWS_PROFILE": "dev", "HOME": "/h",
            ],
            S3Credentials(accessKeyID: "AKIDENV", secretAccessKey: "envsecret", sessionToken: "tok")
        ),
        // Half a key in the environment is not a key: the file is read.
        (
            ["AWS_ACCESS_KEY_ID": "AKIDENV", "HOME": "/h"],
            S3Credentials(accessKeyID: "AKIDDEFAULT", secretAccessKey: "secret/default+key")
        ),
        (
            ["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "", "HOME": "/h"],
            S3Credentials(accessKeyID: "AKIDDEFAULT", secretAccessKey: "secret/default+key")
        ),
        (["HOME": "/h"], S3Credentials(accessKeyID: "AKIDDEFAULT", secretAccessKey: "secret/default+key")),
        (["HOME": "/h/"], S3Credentials(accessKeyID: "AKIDDEFAULT", secretAccessKey: "secret/default+key")),
        (
            ["HOME": "/h", "AWS_PROFILE": "dev"],
            S3Credentials(
                accessKeyID: "AKIDDEV", secretAccessKey: "dev secret with spaces", sessionToken: "FwoGZXIvYXdz//token=="
            )
        ),
        // A profile without a secret, a missing profile, no file, no HOME: anonymous.
        (["HOME": "/h", "AWS_PROFILE": "broken"], nil),
        (["HOME": "/h", "AWS_PROFILE": "nosuch"], nil),
        (["HOME": "/elsewhere"], nil),
        ([:], nil),
        // AWS_SHARED_CREDENTIALS_FILE replaces ~/.aws/credentials.
        (
            ["HOME": "/elsewhere", "AWS_SHARED_CREDENTIALS_FILE": "/h/.aws/credentials", "AWS_PROFILE": "dev"],
            S3Credentials(
                accessKeyID: "AKIDDEV", secretAccessKey: "dev secret with spaces", sessionToken: "FwoGZXIvYXdz//token=="
            )
        ),
        (
            ["HOME": "/h", "AWS_SHARED_CREDENTIALS_FILE": "~/.aws/credentials"],
            S3Credentials(accessKeyID: "AKIDDEFAULT", secretAccessKey: "secret/default+key")
        ),
        (["HOME": "/h", "AWS_SHARED_CREDENTIALS_FILE": "/other"], nil),
    ])
    func lookup(environment: [String: String], expected: S3Credentials?) {
        let source = S3CredentialSource(
            environment: environment, readFile: Self.reader("/h/.aws/credentials", Self.file))
        #expect(source.credentials() == expected)
    }

    @Test func profileParsing() {
        let crlf = "[default]\r\naws_access_key_id=A\r\naws_secret_access_key=B\r\naws_session_token=\r\n"
        #expect(
            S3CredentialSource.profile("default", in: crlf) == S3Credentials(accessKeyID: "A", secretAccessKey: "B"))
        #expect(
            S3CredentialSource.profile(
                "default", in: "[ default ]\naws_access_key_id=A\naws_secret_access_key=B\naws_access_key_id=C")
                == S3Credentials(accessKeyID: "C", secretAccessKey: "B"))
        #expect(S3CredentialSource.profile("dev", in: "aws_access_key_id=A\naws_secret_access_key=B") == nil)
        #expect(S3CredentialSource.profile("default", in: "") == nil)
    }

    @Test func searchDescription() {
        let plain = S3CredentialSource(environment: ["HOME": "/h"], readFile: { _ in nil })
        #expect(
            plain.searchDescription
                == "tried AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profile 'default' in ~/.aws/credentials")
        let custom = S3CredentialSource(
            environment: ["AWS_PROFILE": "lab", "AWS_SHARED_CREDENTIALS_FILE": "/etc/aws/creds"], readFile: { _ in nil }
        )
        #expect(
            custom.searchDescription == "tried AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profile 'lab' in /etc/aws/creds"
        )
        #expect(custom.profile == "lab")
        #expect(custom.credentialsFilePath == "/etc/aws/creds")
    }
}
