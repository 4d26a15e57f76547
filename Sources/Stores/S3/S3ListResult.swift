/// One page of a ListObjectsV2 response: the "directories" (`<CommonPrefixes><Prefix>`)
/// and objects (`<Contents><Key>`) below the prefix, and whether more pages follow.
/// Read with a small scanner: S3's XML is flat, and its text is escaped with the five
/// predefined entities and numeric references, so no element name can occur inside text.
public struct S3ListResult: Sendable, Equatable {
    public var commonPrefixes: [String]
    public var keys: [String]
    public var isTruncated: Bool
    public var nextContinuationToken: String?

    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// An `<Error>` document: S3's code and message.
        case errorResponse(code: String, message: String)
        case notAListing(start: String)

        public var description: String {
            switch self {
            case let .errorResponse(code, message): "S3 answered \(code): \(message)"
            case let .notAListing(start): "not a ListObjectsV2 response: '\(start)'"
            }
        }
    }

    public init(
        commonPrefixes: [String] = [], keys: [String] = [], isTruncated: Bool = false,
        nextContinuationToken: String? = nil
    ) {
        self.commonPrefixes = commonPrefixes
        self.keys = keys
        self.isTruncated = isTruncated
        self.nextContinuationToken = nextContinuationToken
    }

    public init(xml: String) throws(Problem) {
        let text = Substring(xml)
        if text.firstRange(of: "<ListBucketResult") == nil {
            if let error = S3ListResult.elements("Error", in: text).first {
                throw .errorResponse(
                    code: S3ListResult.elements("Code", in: error).first.map(S3ListResult.decode) ?? "",
                    message: S3ListResult.elements("Message", in: error).first.map(S3ListResult.decode) ?? "")
            }
            throw .notAListing(start: String(xml.prefix(80)))
        }
        commonPrefixes = S3ListResult.elements("CommonPrefixes", in: text)
            .flatMap { S3ListResult.elements("Prefix", in: $0) }.map(S3ListResult.decode)
        keys = S3ListResult.elements("Contents", in: text).flatMap { S3ListResult.elements("Key", in: $0) }.map(
            S3ListResult.decode)
        isTruncated = S3ListResult.elements("IsTruncated", in: text).first.map(S3ListResult.decode) == "true"
        nextContinuationToken = S3ListResult.elements("NextContinuationToken", in: text).first.map(S3ListResult.decode)
    }

    /// The contents of every `<name>…</name>` (and `<name/>`, as empty) in `text`, in order;
    /// an element with attributes (`<name xmlns="…">`) counts too.
    static func elements(_ name: String, in text: Substring) -> [Substring] {
        var found: [Substring] = []
        var rest = text
        while let open = rest.firstRange(of: "<" + name) {
            let afterName = rest[open.upperBound...]
            guard let next = afterName.first,
                next == ">" || next == "/" || next == " " || next == "\t" || next == "\n" || next == "\r",
                let close = afterName.firstIndex(of: ">")
            else {
                rest = afterName
                continue
            }
            if close > afterName.startIndex && afterName[afterName.index(before: close)] == "/" {
                found.append(afterName[close..<close])
                rest = afterName[afterName.index(after: close)...]
                continue
            }
            let body = afterName[afterName.index(after: close)...]
            guard let end = body.firstRange(of: "</" + name + ">") else { break }
            found.append(body[..<end.lowerBound])
            rest = body[end.upperBound...]
        }
        return found
    }

    /// Text with `&amp; &lt; &gt; &quot; &apos;` and `&#N;` / `&#xH;` replaced; anything else left as written.
    static func decode(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        var out = ""
        var rest = text
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            let tail = rest[amp...]
            if let semi = tail.prefix(12).firstIndex(of: ";"),
                let ch = character(entity: tail[tail.index(after: amp)..<semi])
            {
                out.append(ch)
                rest = tail[tail.index(after: semi)...]
            } else {
                out.append("&")
                rest = tail.dropFirst()
            }
        }
        return out + rest
    }

    private static func character(entity: Substring) -> Character? {
        switch entity {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos": return "'"
        default:
            guard entity.hasPrefix("#") else { return nil }
            let digits = entity.dropFirst()
            let value =
                digits.hasPrefix("x") || digits.hasPrefix("X")
                ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
            return value.flatMap(Unicode.Scalar.init).map(Character.init)
        }
    }
}
