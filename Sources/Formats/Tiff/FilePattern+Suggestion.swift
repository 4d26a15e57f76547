/// Which `{field}` pattern would split a directory of TIFFs whose names number more than one
/// thing (`emb_ch0_stack0003.tif`, `emb_ch1_stack0003.tif`, …): opened as a directory they stack
/// along one axis, channels and time points mixed.
extension FilePattern {
    /// A name cut into text and digit runs: `emb_ch0_stack0003.tif` → `emb_ch`, `0`, `_stack`, `0003`, `.tif`.
    static func runs(_ name: String) -> [(text: String, isNumber: Bool)] {
        var out: [(text: String, isNumber: Bool)] = []
        for ch in name {
            let digit = ch.isASCII && ch.isNumber
            if let last = out.last, last.isNumber == digit {
                out[out.count - 1].text.append(ch)
            } else {
                out.append((String(ch), digit))
            }
        }
        return out
    }

    /// The axis a number's label suggests: the letters just before it (`ch`, `c`, `channel` → c;
    /// `t`, `tp`, `time`, `stack`, `frame` → t; `z`, `plane`, `slice` → z), else nil.
    static func axis(labelledBy text: String) -> String? {
        let letters = String(text.reversed().prefix { $0.isLetter }.reversed()).lowercased()
        switch letters {
        case "c", "ch", "chan", "channel", "w", "wavelength", "view": return "c"
        case "t", "tp", "time", "timepoint", "stack", "frame", "f": return "t"
        case "z", "plane", "slice": return "z"
        default: return nil
        }
    }

    /// A pattern with one `{field}` for each numbered run that varies and has a label that names an
    /// axis, when two or more do (one varying number is what a directory stacks already); other
    /// runs that vary become `*`. Nil when the names do not share one layout.
    static func splittingPattern(_ names: [String], directory: String) -> String? {
        guard names.count >= 4 else { return nil }
        let layouts = names.map(runs)
        let first = layouts[0]
        guard
            layouts.allSatisfy({ l in
                l.count == first.count && zip(l, first).allSatisfy { $0.isNumber == $1.isNumber }
            })
        else { return nil }
        var parts: [String] = []
        var fields: [String] = []
        for (i, run) in first.enumerated() {
            let varies = Set(layouts.map { $0[i].text }).count > 1
            if !varies {
                parts.append(run.text)
            } else if run.isNumber, i > 0, let axis = axis(labelledBy: first[i - 1].text), !fields.contains(axis) {
                fields.append(axis)
                parts.append("{\(axis)}")
            } else {
                parts.append("*")
            }
        }
        guard fields.count >= 2 else { return nil }
        // Literal runs between wildcards read more easily as `*_ch{c}_*`: keep them as they are.
        let pattern = parts.joined().replacingOccurrences(of: "**", with: "*")
        return (directory == "." ? "" : (directory.hasSuffix("/") ? directory : directory + "/")) + pattern
    }
}
