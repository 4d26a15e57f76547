/// What the pipeline parser and binder know about an operator: its name, its
/// parameters in positional order, its reference and how to build it.
public struct OperatorSpec: Sendable {
    public let name: String
    public let parameters: [ParameterSpec]
    /// The reference implementation the tests compare against (docs/OPERATORS.md's table).
    public let reference: String
    /// Its Python for `export --script dask` (its call and its halo); nil: the script cannot have it.
    public let dask: (@Sendable (DaskStageContext) -> DaskStage)?
    let make: @Sendable (StageArguments, OperatorSetup) throws -> FilterOperator

    init(
        _ name: String, _ parameters: [ParameterSpec], reference: String,
        dask: (@Sendable (DaskStageContext) -> DaskStage)? = nil,
        make: @escaping @Sendable (StageArguments, OperatorSetup) throws -> FilterOperator
    ) {
        (self.name, self.parameters, self.reference, self.dask, self.make) = (name, parameters, reference, dask, make)
    }

    /// `gaussian(sigma)`, `threshold(method, block, offset)`: for help and errors.
    public var signature: String {
        parameters.isEmpty ? name : name + "(" + parameters.map(\.name).joined(separator: ", ") + ")"
    }
}

/// One parameter: its name, what values it takes and its default (nil = required).
public struct ParameterSpec: Sendable {
    public enum Kind: Sendable, Equatable {
        /// A number > 0, or (when `perAxis`) a (y,x) or (z,y,x) tuple of numbers ≥ 0.
        case sigma
        /// A whole number ≥ 1, or a (y,x) or (z,y,x) tuple of them.
        case size
        /// A whole number ≥ 1 (no tuple).
        case count
        /// An odd whole number ≥ 3 (a block size).
        case oddCount
        /// Any number.
        case number
        /// A number, or one of these words.
        case numberOrWord([String])
    }

    public let name: String
    public let kind: Kind
    public let defaultValue: PipelineValue?

    init(_ name: String, _ kind: Kind, default value: PipelineValue? = nil) {
        (self.name, self.kind, self.defaultValue) = (name, kind, value)
    }

    /// Whether `( )` in the viewer may step this parameter.
    var isAdjustable: Bool {
        switch kind {
        case .sigma, .size, .count, .oddCount, .number: true
        case .numberOrWord: false
        }
    }
}
