/// A `--filter` pipeline: its stages as text (the source of truth, shown in
/// the prompt and the status line) and which are on. Binding to operators
/// happens per view (`operators(_:)`), because tuples follow the displayed
/// axes and spatial parameters the working resolution.
public struct Pipeline: Sendable, Equatable {
    public private(set) var stages: [PipelineStage]
    /// One flag per stage; `1`–`9` in the viewer toggle them.
    public private(set) var enabled: [Bool]

    /// Parses and checks every stage's arguments; errors are one line naming the column.
    public init(_ text: String) throws {
        stages = try PipelineParser.parse(text, operators: OperatorCatalog.names)
        enabled = stages.map { _ in true }
        _ = try operators(OperatorSetup())
    }

    /// The whole pipeline as text, e.g. `gaussian(2)|threshold(otsu)`.
    public var text: String { stages.map(\.description).joined(separator: "|") }

    /// The stages that are on, as text: what a result depends on.
    public var activeText: String {
        zip(stages, enabled).filter(\.1).map(\.0.description).joined(separator: "|")
    }

    public var isActive: Bool { enabled.contains(true) }

    /// The bound operators of the stages that are on.
    public func operators(_ setup: OperatorSetup) throws -> [FilterOperator] {
        try zip(stages, enabled).filter(\.1).map { stage, _ in
            let spec = OperatorCatalog.spec(named: stage.name)!
            return try spec.make(StageArguments(stage, spec: spec), setup)
        }
    }

    /// The stages that are on, bound for a view: each with its arguments (defaults filled in),
    /// its operator (halo) and what its input and output hold, starting from `kind`. For code
    /// that writes the pipeline out in another language (`export --script dask`).
    public func boundStages(_ setup: OperatorSetup, kind: ValueKind) throws -> [BoundStage] {
        var kind = kind
        return try zip(stages, enabled).filter(\.1).map { stage, _ in
            let spec = OperatorCatalog.spec(named: stage.name)!
            let arguments = try StageArguments(stage, spec: spec)
            let op = try spec.make(arguments, setup)
            defer { kind = op.outputKind(kind) }
            return BoundStage(
                arguments: arguments, operator: op, setup: setup, inputKind: kind, outputKind: op.outputKind(kind))
        }
    }

    /// Turns stage `i` (0-based) on or off.
    public mutating func toggle(_ i: Int) {
        guard enabled.indices.contains(i) else { return }
        enabled[i].toggle()
    }

    /// `( )` in the viewer: steps the first number given to the last stage that is on (else its
    /// first parameter's default): σ by ×1.25, sizes by ±2 (odd stays odd), counts by ±1, other
    /// numbers by 10 %. Returns what it now is, for the status line.
    public mutating func adjustLastStage(by steps: Int) -> String {
        guard enabled.contains(true) else { return "no filter stage is on" }
        // The last stage that is on and has a number (`gaussian(2)|threshold(otsu)`: gaussian's sigma).
        for s in stages.indices.reversed() where enabled[s] {
            let spec = OperatorCatalog.spec(named: stages[s].name)!
            var stage = stages[s]
            guard let bound = try? StageArguments(stage, spec: spec) else { continue }
            let given = stage.arguments.indices.compactMap { i -> (Int, ParameterSpec)? in
                let name = stage.arguments[i].name ?? bound.positionalName(i)
                return spec.parameters.first { $0.name == name }.map { (i, $0) }
            }
            var target: (index: Int?, parameter: ParameterSpec, value: PipelineValue)?
            for (i, p) in given where p.isAdjustable {
                if case .word = stage.arguments[i].value { continue }
                target = (i, p, stage.arguments[i].value)
                break
            }
            if target == nil, let first = spec.parameters.first, first.isAdjustable,
                !given.contains(where: { $0.1.name == first.name }),
                let d = first.defaultValue, case .number = d
            {
                target = (nil, first, d)
            }
            guard let target, let stepped = Self.step(target.value, kind: target.parameter.kind, by: steps) else {
                continue
            }
            if let i = target.index {
                stage.arguments[i].value = stepped
            } else {
                stage.arguments.insert(PipelineArgument(name: nil, value: stepped, column: stage.column), at: 0)
            }
            guard let checked = try? StageArguments(stage, spec: spec),
                (try? spec.make(checked, OperatorSetup())) != nil
            else {
                return "\(stage.name): \(target.parameter.name) cannot go further"
            }
            stages[s] = stage
            return "\(stage.name) \(target.parameter.name)=\(stepped)"
        }
        return "no stage that is on has a number to adjust"
    }

    static func step(_ v: PipelineValue, kind: ParameterSpec.Kind, by n: Int) -> PipelineValue? {
        func one(_ d: Double) -> Double {
            switch kind {
            case .sigma: return ((d * pow125(n)) * 100).rounded() / 100
            case .size: return max(1, d + Double(2 * n))
            case .oddCount: return max(3, d + Double(2 * n))
            case .count: return max(1, d + Double(n))
            default: return d == 0 ? Double(n) : ((d * (1 + 0.1 * Double(n))) * 1000).rounded() / 1000
            }
        }
        switch v {
        case .number(let d): return .number(one(d))
        case .tuple(let t): return .tuple(t.map { $0 == 0 ? 0 : one($0) })
        case .word: return nil
        }
    }

    private static func pow125(_ n: Int) -> Double {
        var r = 1.0
        for _ in 0..<abs(n) { r *= 1.25 }
        return n < 0 ? 1 / r : r
    }
}

/// One stage that is on, bound to its operator (`Pipeline.boundStages`).
public struct BoundStage: Sendable {
    public let arguments: StageArguments
    public let `operator`: FilterOperator
    public let setup: OperatorSetup
    /// What the stage receives and gives (the point operations' range, a mask).
    public let inputKind: ValueKind
    public let outputKind: ValueKind

    public var name: String { arguments.stage.name }
    /// The margin of input each output pixel needs, along (depth, rows, columns).
    public var halo: Extent { `operator`.halo }
    /// A per-axis argument as (depth, rows, columns) in data pixels: a number applies to rows and
    /// columns (depth gets `zDefault`), a (y,x) tuple likewise, a (z,y,x) tuple follows the view.
    public func perAxis(_ name: String, zDefault: Double = 0) -> (z: Double, y: Double, x: Double) {
        arguments.perAxis(name, setup, zDefault: zDefault)
    }
}

extension PipelineStage: CustomStringConvertible {
    /// The stage as text: `gaussian(2)`, `threshold(local,block=31)`.
    public var description: String {
        arguments.isEmpty
            ? name
            : name + "("
                + arguments.map { ($0.name.map { $0 + "=" } ?? "") + $0.value.description }.joined(separator: ",") + ")"
    }
}
