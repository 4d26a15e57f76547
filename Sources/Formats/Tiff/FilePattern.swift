#if canImport(Glibc)
import Glibc
#endif

/// A file-name pattern for a TIFF series: `*` (any run of characters), `?`
/// (one character) and named numeric fields `{c}` (one or more digits), in the
/// last path component only: `raw/*_ch{c}_*_stack{t}_*.tif`.
struct FilePattern: Sendable {
    enum Token: Sendable, Equatable {
        case literal([UInt8])
        case any
        case one
        case field(String)
    }

    let text: String
    let directory: String
    let tokens: [Token]
    /// Field names in order of appearance.
    let fields: [String]

    /// Whether `location` is a pattern rather than a path.
    static func isPattern(_ location: String) -> Bool {
        location.contains("*") || location.contains("?") || location.contains("{")
    }

    init(_ text: String) throws {
        self.text = text
        let slash = text.lastIndex(of: "/")
        directory = slash.map { String(text[..<$0]) }.map { $0.isEmpty ? "/" : $0 } ?? "."
        let name = slash.map { String(text[text.index(after: $0)...]) } ?? text
        guard !Self.isPattern(directory) else {
            throw FormatError(
                "wildcards and {fields} are only supported in the file name, not in the directory '\(directory)'")
        }
        var tokens: [Token] = [], fields: [String] = [], literal: [UInt8] = []
        var chars = Array(name.utf8)[...]
        func flush() {
            if !literal.isEmpty {
                tokens.append(.literal(literal))
                literal = []
            }
        }
        while let c = chars.first {
            chars = chars.dropFirst()
            switch c {
            case UInt8(ascii: "*"):
                flush()
                if tokens.last != .any { tokens.append(.any) }
            case UInt8(ascii: "?"):
                flush()
                tokens.append(.one)
            case UInt8(ascii: "{"):
                guard let close = chars.firstIndex(of: UInt8(ascii: "}")) else {
                    throw FormatError("pattern '\(text)': '{' without a closing '}'")
                }
                let field = String(decoding: chars[..<close], as: UTF8.self)
                guard !field.isEmpty, field.allSatisfy({ $0.isLetter || $0 == "_" }) else {
                    throw FormatError("pattern '\(text)': field '{\(field)}' must be a name such as {c} or {t}")
                }
                guard !fields.contains(field) else {
                    throw FormatError("pattern '\(text)': field {\(field)} appears twice")
                }
                flush()
                tokens.append(.field(field))
                fields.append(field)
                chars = chars[chars.index(after: close)...]
            default:
                literal.append(c)
            }
        }
        flush()
        self.tokens = tokens
        self.fields = fields
    }

    /// The pattern for every `.tif`/`.tiff` file of a directory.
    init(directoryOfTiffs directory: String) {
        text = directory
        self.directory = directory
        tokens = [.any]
        fields = []
    }

    /// The field values when `name` matches, else nil.
    func match(_ name: String) -> [Int]? {
        var values = [Int](repeating: 0, count: fields.count)
        let bytes = Array(name.utf8)
        return matchFrom(0, 0, bytes, &values) ? values : nil
    }

    private func matchFrom(_ t: Int, _ i: Int, _ s: [UInt8], _ values: inout [Int]) -> Bool {
        guard t < tokens.count else { return i == s.count }
        switch tokens[t] {
        case .literal(let lit):
            guard s.count - i >= lit.count, s[i..<i + lit.count].elementsEqual(lit) else { return false }
            return matchFrom(t + 1, i + lit.count, s, &values)
        case .one:
            guard i < s.count else { return false }
            var j = i + 1  // one whole UTF-8 character
            while j < s.count, s[j] & 0xC0 == 0x80 { j += 1 }
            return matchFrom(t + 1, j, s, &values)
        case .any:
            if t + 1 == tokens.count { return true }
            var j = i
            while j <= s.count {
                if matchFrom(t + 1, j, s, &values) { return true }
                j += 1
            }
            return false
        case .field(let name):
            var end = i
            while end < s.count, s[end] >= 48, s[end] <= 57 { end += 1 }
            guard end > i else { return false }
            let k = fields.firstIndex(of: name)!
            // Longest digit run first, then shorter ones (backtracking).
            for e in stride(from: end, to: i, by: -1) where e - i <= 18 {
                values[k] = s[i..<e].reduce(0) { $0 * 10 + Int($1 - 48) }
                if matchFrom(t + 1, e, s, &values) { return true }
            }
            return false
        }
    }

    /// The names in `directory` that are regular files (or links), in directory order.
    static func listFiles(_ directory: String) throws -> [String] {
        guard let dir = opendir(directory) else {
            throw FormatError.io("\(directory): cannot list: \(String(cString: strerror(errno)))")
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let type = entry.pointee.d_type
            guard type == UInt8(DT_REG) || type == UInt8(DT_LNK) || type == UInt8(DT_UNKNOWN) else { continue }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if !name.hasPrefix(".") { names.append(name) }
        }
        return names
    }

    /// Names in natural order (each name's bytes taken once).
    static func naturallySorted(_ names: [String]) -> [String] {
        names.map { (Array($0.utf8), $0) }.sorted { naturalOrder($0.0, $1.0) }.map(\.1)
    }

    static func isTiffName(_ name: String) -> Bool {
        let tail = name.utf8.suffix(5).map { $0 | 0x20 }  // ASCII lower case
        return tail.suffix(4).elementsEqual(".tif".utf8) || tail.elementsEqual(".tiff".utf8)
    }
}

/// Natural order: digit runs compare as numbers (`img2` < `img10`), the rest byte-wise.
func naturalOrder(_ a: String, _ b: String) -> Bool { naturalOrder(Array(a.utf8), Array(b.utf8)) }

func naturalOrder(_ x: [UInt8], _ y: [UInt8]) -> Bool {
    var i = 0, j = 0
    func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
    while i < x.count, j < y.count {
        if isDigit(x[i]), isDigit(y[j]) {
            var ie = i, je = j
            while ie < x.count, isDigit(x[ie]) { ie += 1 }
            while je < y.count, isDigit(y[je]) { je += 1 }
            // Compare without leading zeros: longer means bigger, then digit by digit.
            let xs = x[i..<ie].drop { $0 == 48 }, ys = y[j..<je].drop { $0 == 48 }
            if xs.count != ys.count { return xs.count < ys.count }
            if !xs.elementsEqual(ys) { return xs.lexicographicallyPrecedes(ys) }
            if ie - i != je - j { return ie - i < je - j }
            (i, j) = (ie, je)
        } else {
            if x[i] != y[j] { return x[i] < y[j] }
            i += 1
            j += 1
        }
    }
    return x.count - i < y.count - j
}
