extension FormatError {
    /// The one-line message, as the CLI prints it after the dataset's path.
    public var description: String {
        switch self {
        case let .invalidMetadata(file?, problem): "\(file): \(problem)"
        case let .invalidMetadata(nil, problem): problem
        case let .malformedJSON(file, detail): "malformed JSON in \(file)\(detail.map { ": \($0)" } ?? "")"
        case let .missing(message), let .notAnArray(message), let .io(message), let .invalid(message): message
        case let .unsupported(what): "unsupported \(what)"
        case let .unknownCodec(name, file, known): "unknown codec '\(name)' in \(file) (vstack reads \(known))"
        case let .sizeOverflow(field): "\(field) is too large (overflows a 64-bit size)"
        case let .tooLarge(what, limit): "\(what) is too large (\(limit))"
        case let .corruptData(problem, nil): problem
        case let .corruptData(problem, underlying?): "\(problem) (\(underlying))"
        case let .regionOutside(lower, upper, axis, size):
            "region \(lower):\(upper) is outside axis \(axis) (size \(size))"
        case let .within(part, underlying): "\(part): \(ErrorLine.text(underlying))"
        case let .level(path, underlying):
            "multiscales level '\(path)': \((underlying as? DatasetError)?.problem ?? "\(underlying)")"
        }
    }
}
