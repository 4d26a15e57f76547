import Processing

/// The stages' functions and `pipeline(x)`: each stage's Python comes from its operator
/// (`OperatorSpec.dask`); this wraps it as `def stageN_NAME(x):` with its docstring.
extension DaskScript {
    /// Each stage with its operator's Python for this view (`init` refused stages without any).
    var stageCode: [(stage: BoundStage, code: DaskStage)] {
        stages.enumerated().map { i, s in
            // A threshold that ends the pipeline writes the output's uint8 0/1 itself: a float32 mask
            // converted afterwards would allocate (and page-fault) 5 bytes a pixel more per block.
            let context = DaskStageContext(
                stage: s, hasDepth: depthAxis != nil,
                maskType: i + 1 == stages.count && isMask ? "np.uint8" : "np.float32", dataType: metadata.dataType)
            guard let code = OperatorCatalog.spec(named: s.name)?.dask?(context) else {
                preconditionFailure("export --script dask: no Python for \(s.name)")
            }
            return (s, code)
        }
    }

    var stageFunctions: String {
        stageCode.enumerated().map { i, sc in
            let (s, code) = sc
            let function =
                "def \(function(i + 1, s))(x):\n    \"\"\"\(s.arguments.stage): \(code.doc)\"\"\"\n"
                + code.body.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n")
            return function + (code.after.map { "\n\n\n" + $0 } ?? "")
        }.joined(separator: "\n\n\n")
    }

    func function(_ n: Int, _ s: BoundStage) -> String { "stage\(n)_\(s.name)" }

    var pipelineFunction: String {
        let body =
            stages.isEmpty
            ? ["    return x  # no --filter: a copy"]
            : stages.enumerated().map { i, s in "    x = \(function(i + 1, s))(x)" } + ["    return x"]
        return """
            def pipeline(x):
                \"\"\"\(stages.isEmpty ? "No stages." : pipelineText): the stages in order, on the float32 source.\"\"\"
            \(body.joined(separator: "\n"))
            """
    }
}
