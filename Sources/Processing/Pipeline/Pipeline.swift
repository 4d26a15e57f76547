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

    /// Turns stage `i` (0-based) on or off.
    public mutating func toggle(_ i: Int) {
        guard enabled.indices.contains(i) else { return }
        enabled[i].toggle()
    }

    /// `( )` in the viewer: steps the first numeric parameter of the last stage that is on
    /// (σ by ×1.25, sizes by ±2 or ±1, other numbers by 10 %), and says what it now is.
    public mutating func adjustLastStage(by steps: Int) -> String {
        guard let s = enabled.lastIndex(of: true) else { return "no filter stage is on" }
        let spec = OperatorCatalog.spec(named: stages[s].name)!
        var stage = stages[s]
        for (position, p) in spec.parameters.enumerated() where p.isAdjustable {
            let index = stage.arguments.firstIndex { $0.name == p.name }
                ?? stage.arguments.indices.filter { stage.arguments[$0].name == nil }.dropFirst(position).first
            let current = index.map { stage.arguments[$0].value } ?? p.defaultValue
            guard let current, let stepped = Self.step(current, kind: p.kind, by: steps) else { continue }
            if let index {
                stage.arguments[index].value = stepped
            } else {
                stage.arguments.append(PipelineArgument(name: p.name, value: stepped, column: stage.column))
            }
            let candidate = stages.enumerated().map { $0.offset == s ? stage : $0.element }
            let spec = OperatorCatalog.spec(named: stage.name)!
            if (try? StageArguments(stage, spec: spec)).flatMap({ try? spec.make($0, OperatorSetup()) }) == nil {
                return "\(stage.name): \(p.name) cannot go further"
            }
            stages = candidate
            return "\(stage.name) \(p.name)=\(stepped)"
        }
        return "\(stage.name) has no number to adjust"
    }

    static func step(_ v: PipelineValue, kind: ParameterSpec.Kind, by n: Int) -> PipelineValue? {
        func one(_ d: Double) -> Double {
            switch kind {
            case .sigma: return ((d * pow125(n)) * 100).rounded() / 100
            case .size: return max(1, d + Double(2 * n))
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

extension PipelineStage: CustomStringConvertible {
    /// The stage as text: `gaussian(2)`, `threshold(local,block=31)`.
    public var description: String {
        arguments.isEmpty ? name
            : name + "(" + arguments.map { ($0.name.map { $0 + "=" } ?? "") + $0.value.description }.joined(separator: ",") + ")"
    }
}
