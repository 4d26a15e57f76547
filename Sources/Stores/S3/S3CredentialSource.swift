import Foundation

/// Where S3 credentials come from, in the order the AWS CLI and SDKs look:
/// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` (with `AWS_SESSION_TOKEN`), else the
/// profile `AWS_PROFILE` (default `default`) of the shared credentials file
/// (`AWS_SHARED_CREDENTIALS_FILE`, default `~/.aws/credentials`); none means anonymous.
/// The environment and the file reader are parameters, so tests need no real home directory.
public struct S3CredentialSource: Sendable {
    public let environment: [String: String]
    /// A file's text, or nil when it cannot be read.
    public let readFile: @Sendable (String) -> String?

    public init(environment: [String: String], readFile: @escaping @Sendable (String) -> String?) {
        self.environment = environment
        self.readFile = readFile
    }

    /// This process's environment and files.
    public static var process: S3CredentialSource {
        S3CredentialSource(environment: ProcessInfo.processInfo.environment) { path in
            try? String(contentsOfFile: path, encoding: .utf8)
        }
    }

    public var profile: String { value("AWS_PROFILE") ?? "default" }

    /// `AWS_SHARED_CREDENTIALS_FILE`, else `$HOME/.aws/credentials` (nil without a HOME).
    public var credentialsFilePath: String? {
        if let path = value("AWS_SHARED_CREDENTIALS_FILE") { return expandingTilde(path) }
        return value("HOME").map { ($0.hasSuffix("/") ? String($0.dropLast()) : $0) + "/.aws/credentials" }
    }

    /// The credentials found, or nil to send requests unsigned.
    public func credentials() -> S3Credentials? {
        if let id = value("AWS_ACCESS_KEY_ID"), let secret = value("AWS_SECRET_ACCESS_KEY") {
            return S3Credentials(accessKeyID: id, secretAccessKey: secret, sessionToken: value("AWS_SESSION_TOKEN"))
        }
        guard let path = credentialsFilePath, let text = readFile(path) else { return nil }
        return S3CredentialSource.profile(profile, in: text)
    }

    /// Where credentials were looked for, for a message after a 403:
    /// "tried AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profile 'default' in ~/.aws/credentials".
    public var searchDescription: String {
        let file: String
        if let path = value("AWS_SHARED_CREDENTIALS_FILE") {
            file = path
        } else {
            file = "~/.aws/credentials"
        }
        return "tried AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profile '\(profile)' in \(file)"
    }

    /// The keys of `[name]` in an INI credentials file (`aws_access_key_id = …`,
    /// `aws_secret_access_key`, `aws_session_token`); nil when the profile or either key is missing.
    /// Key names are case-insensitive, `#` and `;` start comment lines, a later value wins.
    public static func profile(_ name: String, in text: String) -> S3Credentials? {
        var section: String?
        var values: [String: String] = [:]
        for raw in text.split(
            omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                section = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                continue
            }
            guard section == name, let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            values[key] = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        }
        guard let id = values["aws_access_key_id"], !id.isEmpty,
            let secret = values["aws_secret_access_key"], !secret.isEmpty
        else { return nil }
        let token = values["aws_session_token"].flatMap { $0.isEmpty ? nil : $0 }
        return S3Credentials(accessKeyID: id, secretAccessKey: secret, sessionToken: token)
    }

    /// A variable's value; empty counts as unset.
    private func value(_ name: String) -> String? {
        guard let v = environment[name], !v.isEmpty else { return nil }
        return v
    }

    private func expandingTilde(_ path: String) -> String {
        guard path.hasPrefix("~/"), let home = value("HOME") else { return path }
        return home + path.dropFirst()
    }
}
