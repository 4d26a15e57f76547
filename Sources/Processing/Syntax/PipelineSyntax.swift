import ArrayModel
/// The text of a `--filter` pipeline (SPEC §4), parsed but not yet bound to
/// operators: `gaussian(2)|threshold(otsu)`, `gaussian(sigma=(1,2,2))`.
///
/// Grammar: stages separated by `|`; a stage is a name, optionally followed by
/// `(` arguments `)`; an argument is `value` or `name=value`; a value is a
/// number, a word (`otsu`) or a tuple of numbers `(1,2,2)`. Spaces are free.
/// Columns in errors are 1-based character positions in the whole text.
public struct PipelineStage: Sendable, Equatable {
    public var name: String
    public var arguments: [PipelineArgument]
    /// Column of the stage's name.
    public var column: Int
}

public struct PipelineArgument: Sendable, Equatable {
    /// nil for a positional argument.
    public var name: String?
    public var value: PipelineValue
    /// Column of the argument's first character.
    public var column: Int
}

public enum PipelineValue: Sendable, Equatable, CustomStringConvertible {
    case number(Double)
    case word(String)
    case tuple([Double])

    public var description: String {
        switch self {
        case .number(let v): PipelineValue.format(v)
        case .word(let w): w
        case .tuple(let vs): "(" + vs.map(PipelineValue.format).joined(separator: ",") + ")"
        }
    }

    static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }
}

/// A pipeline that cannot be read: the message names the offending text and its column.
public struct PipelineSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public let column: Int
    public var description: String { message }
}

public enum PipelineParser {
    /// Parses `text`; `operators` are the known names (an unknown one is an
    /// error suggesting the closest known name).
    public static func parse(_ text: String, operators: [String]) throws -> [PipelineStage] {
        var scanner = Scanner(Array(text))
        var stages: [PipelineStage] = []
        scanner.skipSpaces()
        if scanner.atEnd { throw PipelineSyntaxError(message: "empty pipeline", column: 1) }
        while true {
            scanner.skipSpaces()
            let column = scanner.column
            let name = scanner.identifier()
            guard !name.isEmpty else { throw scanner.unexpected("an operator name") }
            guard operators.contains(name) else {
                let hint = closest(to: name, in: operators).map { " (did you mean \($0)?)" } ?? ""
                throw PipelineSyntaxError(
                    message: "unknown operator '\(name)' at column \(column)\(hint)", column: column)
            }
            scanner.skipSpaces()
            var arguments: [PipelineArgument] = []
            if scanner.peek == "(" {
                scanner.advance()
                arguments = try parseArguments(&scanner)
            }
            stages.append(PipelineStage(name: name, arguments: arguments, column: column))
            scanner.skipSpaces()
            if scanner.atEnd { return stages }
            guard scanner.peek == "|" else { throw scanner.unexpected("'|' or the end") }
            scanner.advance()
        }
    }

    private static func parseArguments(_ s: inout Scanner) throws -> [PipelineArgument] {
        var arguments: [PipelineArgument] = []
        s.skipSpaces()
        if s.peek == ")" {
            s.advance()
            return []
        }
        while true {
            s.skipSpaces()
            let column = s.column
            var name: String?
            let save = s
            let word = s.identifier()
            s.skipSpaces()
            if !word.isEmpty, s.peek == "=" {
                s.advance()
                name = word
                if arguments.contains(where: { $0.name == word }) {
                    throw PipelineSyntaxError(
                        message: "argument '\(word)' given twice at column \(column)", column: column)
                }
            } else {
                s = save
            }
            s.skipSpaces()
            let value = try parseValue(&s)
            arguments.append(PipelineArgument(name: name, value: value, column: column))
            s.skipSpaces()
            switch s.peek {
            case ",": s.advance()
            case ")":
                s.advance()
                return arguments
            case nil: throw PipelineSyntaxError(message: "missing ')' at column \(s.column)", column: s.column)
            default: throw s.unexpected("',' or ')'")
            }
        }
    }

    private static func parseValue(_ s: inout Scanner) throws -> PipelineValue {
        if s.peek == "(" {
            s.advance()
            var values: [Double] = []
            while true {
                s.skipSpaces()
                guard let v = s.number() else { throw s.unexpected("a number") }
                values.append(v)
                s.skipSpaces()
                if s.peek == "," {
                    s.advance()
                    continue
                }
                if s.peek == ")" {
                    s.advance()
                    return .tuple(values)
                }
                if s.atEnd { throw PipelineSyntaxError(message: "missing ')' at column \(s.column)", column: s.column) }
                throw s.unexpected("',' or ')'")
            }
        }
        if let v = s.number() { return .number(v) }
        let word = s.identifier()
        guard !word.isEmpty else { throw s.unexpected("a value") }
        return .word(word)
    }

    /// The known name within edit distance 2 (or a third of its length) of `name`.
    static func closest(to name: String, in names: [String]) -> String? {
        let scored = names.map { ($0, editDistance(name, $0)) }.min { $0.1 < $1.1 }
        guard let (best, d) = scored, d <= max(2, name.count / 3) else { return nil }
        return best
    }

    static func editDistance(_ a: String, _ b: String) -> Int { NameSuggestion.distance(a, b) }
}

/// Characters with a position; columns are 1-based.
private struct Scanner {
    let chars: [Character]
    var index = 0
    init(_ chars: [Character]) { self.chars = chars }

    var atEnd: Bool { index >= chars.count }
    var peek: Character? { atEnd ? nil : chars[index] }
    var column: Int { index + 1 }
    mutating func advance() { index += 1 }
    mutating func skipSpaces() { while let c = peek, c == " " || c == "\t" { advance() } }

    /// Letters, digits and `_`, starting with a letter or `_`.
    mutating func identifier() -> String {
        guard let c = peek, c.isLetter || c == "_" else { return "" }
        var out = ""
        while let c = peek, c.isLetter || c.isNumber || c == "_" {
            out.append(c)
            advance()
        }
        return out
    }

    /// A decimal number (`2`, `-1.5`, `.5`, `1e-3`), or nil leaving the position unchanged.
    mutating func number() -> Double? {
        let start = index
        var text = ""
        if let c = peek, c == "-" || c == "+" {
            text.append(c)
            advance()
        }
        while let c = peek,
            c.isNumber || c == "." || c == "e" || c == "E"
                || ((c == "-" || c == "+") && (text.last == "e" || text.last == "E"))
        {
            text.append(c)
            advance()
        }
        guard let v = Double(text), v.isFinite, !text.isEmpty, text.first != "e", text.first != "E" else {
            index = start
            return nil
        }
        return v
    }

    func unexpected(_ expected: String) -> PipelineSyntaxError {
        guard let c = peek else {
            return PipelineSyntaxError(
                message: "expected \(expected) at column \(column), found the end", column: column)
        }
        return PipelineSyntaxError(message: "expected \(expected) at column \(column), found '\(c)'", column: column)
    }
}
