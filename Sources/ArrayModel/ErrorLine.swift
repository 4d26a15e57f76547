/// The one line a person reads for an error, wherever it is shown: the CLI's `vstack: …` line,
/// the viewer's message line. Every layer's error says what went wrong in its `description`
/// (`CodecError`, `StoreError`, `FormatError`, `DatasetError`, `FilterError`, …), keeping the
/// error beneath it as a value; this renders it, on one line, and nothing else does.
public enum ErrorLine {
    /// `error` as one line: its `description` (an error without one: Swift's rendering of its
    /// value), with line breaks as spaces.
    public static func text(_ error: any Error) -> String {
        String(String(describing: error).map { $0 == "\n" || $0 == "\r" ? " " : $0 })
    }

    /// `CONTEXT: ERROR`: what was being done (`save`, `labels nuclei`, `filter`), then the error's line.
    public static func text(_ error: any Error, context: String) -> String {
        "\(context): \(text(error))"
    }
}
