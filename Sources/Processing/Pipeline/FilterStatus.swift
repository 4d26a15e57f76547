/// How a filtered view is described in the status line and `render`'s header:
/// `filters gaussian(2)|threshold(otsu) @1/4 otsu 512.3`.
public enum FilterStatus {
    /// - Parameters:
    ///   - factor: the working factor (`@1/f` when above 1).
    ///   - notes: values the stages computed (Otsu's threshold).
    public static func text(_ pipeline: Pipeline, factor: Int = 1, notes: [String] = []) -> String {
        guard pipeline.isActive else { return "filters off" }
        var s = "filters " + pipeline.activeText
        if factor > 1 { s += " @1/\(factor)" }
        if !notes.isEmpty { s += " " + notes.joined(separator: " ") }
        return s
    }

    public static func text(_ pipeline: Pipeline, _ result: FilteredPlane) -> String {
        text(pipeline, factor: result.factor, notes: result.notes)
    }
}
