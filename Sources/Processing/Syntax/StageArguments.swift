import ArrayModel

/// A stage's arguments matched to its operator's parameters (positional in
/// order, then named, then defaults), with the one-line errors of SPEC §1.
public struct StageArguments: Sendable {
    public let stage: PipelineStage
    let spec: OperatorSpec
    private var values: [String: (PipelineValue, column: Int)] = [:]

    init(_ stage: PipelineStage, spec: OperatorSpec) throws {
        self.stage = stage
        self.spec = spec
        let params = spec.parameters
        var positional = 0
        for argument in stage.arguments {
            let name: String
            if let n = argument.name {
                guard params.contains(where: { $0.name == n }) else {
                    let hint =
                        PipelineParser.closest(to: n, in: params.map(\.name)).map { " (did you mean \($0)?)" } ?? ""
                    let takes = params.isEmpty ? "takes no arguments" : "has no argument '\(n)'"
                    throw PipelineSyntaxError(
                        message: "\(spec.name) \(takes) at column \(argument.column)\(hint)", column: argument.column)
                }
                name = n
            } else {
                guard positional < params.count else {
                    let takes =
                        params.isEmpty
                        ? "takes no arguments"
                        : "takes \(params.count) argument\(params.count == 1 ? "" : "s") (\(spec.signature))"
                    throw PipelineSyntaxError(
                        message: "\(spec.name) \(takes), found another at column \(argument.column)",
                        column: argument.column)
                }
                name = params[positional].name
                positional += 1
            }
            guard values[name] == nil else {
                throw PipelineSyntaxError(
                    message: "argument '\(name)' given twice at column \(argument.column)", column: argument.column)
            }
            values[name] = (argument.value, argument.column)
            try check(params.first { $0.name == name }!, argument.value, column: argument.column)
        }
        for p in params where values[p.name] == nil {
            guard let d = p.defaultValue else {
                throw PipelineSyntaxError(
                    message: "\(spec.name) needs \(p.name) at column \(stage.column), e.g. \(example)",
                    column: stage.column)
            }
            values[p.name] = (d, stage.column)
        }
    }

    /// `dog(2)`: the operator with its required parameters filled in.
    private var example: String {
        spec.name + "("
            + spec.parameters.filter { $0.defaultValue == nil }.map { p in
                p.kind == .sigma ? "2" : p.kind == .number ? "1" : "3"
            }.joined(separator: ",") + ")"
    }

    private func check(_ p: ParameterSpec, _ v: PipelineValue, column: Int) throws {
        func fail(_ expected: String) -> PipelineSyntaxError {
            PipelineSyntaxError(
                message: "\(spec.name): \(p.name) must be \(expected), found '\(v)' at column \(column)", column: column
            )
        }
        func isWhole(_ d: Double) -> Bool { d >= 1 && d == d.rounded() && d < 1e6 }
        // Bounds on what a parameter can mean (a kernel or window is allocated from it);
        // the cost on the region shown is bounded separately (PlaneFilter.maxWork).
        let bound: Double? =
            switch p.kind {
            case .sigma: Self.maxSigma
            case .size: Double(Self.maxSize)
            case .count, .oddCount: Double(Self.maxCount)
            case .number, .numberOrWord: nil
            }
        let numbers: [Double] =
            switch v {
            case .number(let d): [d]
            case .tuple(let ds): ds
            case .word: []
            }
        if let bound, let big = numbers.first(where: { $0 > bound && $0.isFinite }) {
            throw PipelineSyntaxError(
                message:
                    "\(spec.name): \(p.name) must be at most \(Self.formatBound(bound)), found '\(PipelineValue.number(big))' at column \(column)",
                column: column)
        }
        switch (p.kind, v) {
        case (.sigma, .number(let d)) where d > 0 && d.isFinite: return
        case (.sigma, .tuple(let ds))
        where (ds.count == 2 || ds.count == 3) && ds.allSatisfy { $0 >= 0 && $0.isFinite } && ds.contains { $0 > 0 }:
            return
        case (.sigma, _): throw fail("a number > 0 or a (y,x) or (z,y,x) tuple")
        case (.size, .number(let d)) where isWhole(d): return
        case (.size, .tuple(let ds)) where (ds.count == 2 || ds.count == 3) && ds.allSatisfy(isWhole): return
        case (.size, _): throw fail("a whole number ≥ 1 or a (y,x) or (z,y,x) tuple")
        case (.count, .number(let d)) where isWhole(d): return
        case (.count, _): throw fail("a whole number ≥ 1")
        case (.oddCount, .number(let d)) where isWhole(d) && Int(d) % 2 == 1 && d >= 3: return
        case (.oddCount, _): throw fail("an odd whole number ≥ 3")
        case (.number, .number(let d)) where d.isFinite: return
        case (.number, _): throw fail("a number")
        case (.numberOrWord, .number(let d)) where d.isFinite: return
        case (.numberOrWord(let words), .word(let w)) where words.contains(w): return
        case (.numberOrWord(let words), _): throw fail("a number or " + words.joined(separator: " or "))
        }
    }

    /// The largest σ (in data pixels): a kernel of 8001 taps.
    public static let maxSigma = 1000.0
    /// The largest window side.
    public static let maxSize = 1001
    /// The most iterations (or other counts).
    public static let maxCount = 1000

    static func formatBound(_ b: Double) -> String { b == b.rounded() ? String(Int(clamping: b)) : String(b) }

    public func value(_ name: String) -> PipelineValue { values[name]!.0 }

    /// The parameter a positional argument (index into the stage's arguments) binds to.
    func positionalName(_ argument: Int) -> String? {
        let position = stage.arguments[..<argument].filter { $0.name == nil }.count
        return position < spec.parameters.count ? spec.parameters[position].name : nil
    }

    public func number(_ name: String) -> Double {
        if case .number(let d) = value(name) { return d }
        preconditionFailure("\(name) is not a number")
    }

    public func word(_ name: String) -> String? {
        if case .word(let w) = value(name) { return w }
        return nil
    }

    func column(_ name: String) -> Int { values[name]!.column }

    /// A per-axis parameter as (z, y, x) for (depth, rows, columns): a number applies to y and x
    /// (z gets `zDefault`), a 2-tuple is (y, x), a 3-tuple (z, y, x) is reordered for the view.
    func perAxis(_ name: String, _ setup: OperatorSetup, zDefault: Double = 0) -> (z: Double, y: Double, x: Double) {
        switch value(name) {
        case .number(let d): return (zDefault, d, d)
        case .tuple(let t) where t.count == 2: return (zDefault, t[0], t[1])
        case .tuple(let t): return (t[setup.tupleOrder[0]], t[setup.tupleOrder[1]], t[setup.tupleOrder[2]])
        case .word: preconditionFailure("\(name) is not numeric")
        }
    }

    /// A per-axis σ at the working resolution.
    func sigma(_ name: String, _ setup: OperatorSetup) -> Sigma {
        let s = perAxis(name, setup)
        return Sigma(z: s.z, y: s.y, x: s.x).scaled(by: setup.factor)
    }

    /// A per-axis window size at the working resolution (z = 1 for a plain number).
    func size(_ name: String, _ setup: OperatorSetup) -> Extent {
        let s = perAxis(name, setup, zDefault: 1)
        return Extent(Int(s.z), Self.scaled(Int(s.y), setup.factor), Self.scaled(Int(s.x), setup.factor))
    }

    /// A size in data pixels at the working resolution: at least 1, odd sizes stay odd.
    static func scaled(_ size: Int, _ factor: Double) -> Int {
        guard factor > 1 else { return size }
        var s = Swift.max(1, Int(clamping: (Double(size) / factor).rounded()))
        if size % 2 == 1 && s % 2 == 0 { s += 1 }
        return s
    }
}
