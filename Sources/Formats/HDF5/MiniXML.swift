/// A small XML reader for BigDataViewer's `dataset.xml`: elements, attributes and text
/// (the five predefined entities and numeric references decoded; comments, processing
/// instructions, doctype and CDATA sections handled; no namespaces or DTDs).
struct XMLNode {
    var name: String
    var attributes: [String: String] = [:]
    var children: [XMLNode] = []
    var text = ""

    /// The first child named `name`.
    func child(_ name: String) -> XMLNode? { children.first { $0.name == name } }
    func all(_ name: String) -> [XMLNode] { children.filter { $0.name == name } }
    /// The trimmed text of the first child named `name`.
    func value(_ name: String) -> String? { child(name).map { $0.text.trimmed } }
    /// The descendant along `path` (`SequenceDescription/ImageLoader`).
    func path(_ path: String) -> XMLNode? {
        var node: XMLNode? = self
        for part in path.split(separator: "/") { node = node?.child(String(part)) }
        return node
    }

    /// Parses a document; its root element.
    static func parse(_ bytes: [UInt8]) throws -> XMLNode {
        var p = Parser(s: Array(String(decoding: bytes, as: UTF8.self).unicodeScalars))
        return try p.document()
    }

    struct Parser {
        /// Elements nest at most this deep: BigDataViewer's XML is about 6 deep, and the recursive
        /// descent (and the tree's release) then needs a bounded stack whatever the input.
        static let maxDepth = 256
        let s: [Unicode.Scalar]
        var i = 0
        var depth = 0
        init(s: [Unicode.Scalar]) { self.s = s }

        func fail(_ what: String) -> FormatError {
            let line = s[..<min(i, s.count)].filter { $0 == "\n" }.count + 1
            return FormatError("not well-formed XML: \(what) on line \(line)")
        }
        func starts(_ t: String) -> Bool {
            var j = i
            for u in t.unicodeScalars {
                guard j < s.count, s[j] == u else { return false }
                j += 1
            }
            return true
        }
        mutating func skip(past t: String) throws {
            while i < s.count, !starts(t) { i += 1 }
            guard i < s.count else { throw fail("unterminated \(t)") }
            i += t.unicodeScalars.count
        }
        mutating func spaces() { while i < s.count, s[i].properties.isWhitespace { i += 1 } }
        mutating func name() throws -> String {
            var out = String.UnicodeScalarView()
            while i < s.count, !s[i].properties.isWhitespace, !"/>=".unicodeScalars.contains(s[i]) {
                out.append(s[i])
                i += 1
            }
            guard !out.isEmpty else { throw fail("expected a name") }
            return String(out)
        }
        /// Skips prolog items, comments and whitespace before an element.
        mutating func misc() throws {
            while true {
                spaces()
                if starts("<?") {
                    try skip(past: "?>")
                } else if starts("<!--") {
                    try skip(past: "-->")
                } else if starts("<!DOCTYPE") {
                    try skip(past: ">")
                } else {
                    return
                }
            }
        }
        mutating func document() throws -> XMLNode {
            if i < s.count, s[i] == "\u{FEFF}" { i += 1 }
            try misc()
            guard starts("<") else { throw fail("no root element") }
            return try element()
        }
        mutating func element() throws -> XMLNode {
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maxDepth else { throw fail("elements nested more than \(Self.maxDepth) deep") }
            i += 1  // <
            var node = XMLNode(name: try name())
            while true {
                spaces()
                guard i < s.count else { throw fail("unterminated tag <\(node.name)>") }
                if starts("/>") {
                    i += 2
                    return node
                }
                if s[i] == ">" {
                    i += 1
                    break
                }
                let key = try name()
                spaces()
                guard i < s.count, s[i] == "=" else { throw fail("attribute \(key) without a value") }
                i += 1
                spaces()
                guard i < s.count, s[i] == "\"" || s[i] == "'" else { throw fail("unquoted attribute \(key)") }
                let q = s[i]
                i += 1
                var v = String.UnicodeScalarView()
                while i < s.count, s[i] != q {
                    v.append(s[i])
                    i += 1
                }
                guard i < s.count else { throw fail("unterminated attribute \(key)") }
                i += 1
                node.attributes[key] = Self.decode(String(v))
            }
            var text = String.UnicodeScalarView()
            while true {
                guard i < s.count else { throw fail("unterminated element <\(node.name)>") }
                if starts("</") {
                    i += 2
                    let end = try name()
                    guard end == node.name else { throw fail("</\(end)> closes <\(node.name)>") }
                    spaces()
                    guard i < s.count, s[i] == ">" else { throw fail("unterminated </\(end)") }
                    i += 1
                    node.text = Self.decode(String(text))
                    return node
                } else if starts("<!--") {
                    try skip(past: "-->")
                } else if starts("<![CDATA[") {
                    i += 9
                    while i < s.count, !starts("]]>") {
                        text.append(s[i])
                        i += 1
                    }
                    try skip(past: "]]>")
                } else if starts("<?") {
                    try skip(past: "?>")
                } else if s[i] == "<" {
                    node.children.append(try element())
                } else {
                    text.append(s[i])
                    i += 1
                }
            }
        }

        static func decode(_ t: String) -> String {
            guard t.contains("&") else { return t }
            var out = "", rest = Substring(t)
            while let amp = rest.firstIndex(of: "&") {
                out += rest[..<amp]
                guard let semi = rest[amp...].firstIndex(of: ";") else { break }
                let entity = rest[rest.index(after: amp)..<semi]
                switch entity {
                case "amp": out += "&"
                case "lt": out += "<"
                case "gt": out += ">"
                case "quot": out += "\""
                case "apos": out += "'"
                default:
                    let code =
                        entity.hasPrefix("#x")
                        ? UInt32(entity.dropFirst(2), radix: 16)
                        : entity.hasPrefix("#") ? UInt32(entity.dropFirst()) : nil
                    if let code, let u = Unicode.Scalar(code) {
                        out.unicodeScalars.append(u)
                    } else {
                        out += "&" + entity + ";"
                    }
                }
                rest = rest[rest.index(after: semi)...]
            }
            return out + rest
        }
    }
}

extension String {
    var trimmed: String {
        let u = unicodeScalars
        guard let a = u.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let b = u.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(u[a...b])
    }
}
