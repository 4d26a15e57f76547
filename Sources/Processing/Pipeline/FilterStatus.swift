/// How a filtered view is described in the status line and `render`'s header:
/// `filters gaussian(2)|threshold(otsu) @1/4 otsu 512.3`.
public enum FilterStatus {
    public static func text(_ pipeline: Pipeline, _ result: FilteredPlane?) -> String {
        guard pipeline.isActive else { return "filters off" }
        var s = "filters " + pipeline.activeText
        if let result {
            if result.factor > 1 { s += " @1/\(result.factor)" }
            if !result.notes.isEmpty { s += " " + result.notes.joined(separator: " ") }
        }
        return s
    }
}
