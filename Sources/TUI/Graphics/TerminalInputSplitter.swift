/// Separates the terminal's answers to `GraphicsDetection.queries` from the keys typed around
/// them, in the bytes read from the terminal, so that an answer arriving while the viewer runs is
/// never taken for keys (`ESC _ G i=31;OK` would be Esc, `_`, `G`, `i`…). An answer is a sequence
/// no key sends: DA1 (`CSI ? … c`), a window report (`CSI … t`), an APC (kitty's `ESC _ G … ST`)
/// or a DCS (XTVERSION's `ESC P > | … ST`); everything else is a key and keeps its order.
enum TerminalInputSplitter {
    struct Split: Equatable {
        /// The bytes that are keys (mouse reports included), in order.
        var keys: [UInt8] = []
        /// The answers, whole sequences, in order (`TerminalReplies(parsing:)` reads them).
        var replies: [UInt8] = []
        /// The bytes end inside a sequence (or a UTF-8 character): more may be on the way. The
        /// unfinished tail is in `keys` (it is one, if nothing more comes).
        var unfinished = false
    }

    static func split(_ bytes: [UInt8]) -> Split {
        var out = Split()
        var i = 0
        /// The rest from `i` is an unfinished sequence.
        func rest() {
            out.keys += bytes[i...]
            out.unfinished = true
            i = bytes.count
        }
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x1B {
                guard i + 1 < bytes.count else {
                    rest()
                    break
                }
                switch bytes[i + 1] {
                case 0x5B:  // CSI: parameters, then a final byte in 0x40...0x7E
                    guard let final = bytes[(i + 2)...].firstIndex(where: { (0x40...0x7E).contains($0) }) else {
                        rest()
                        break
                    }
                    let isReply =
                        (bytes[final] == 0x63 && i + 2 < final && bytes[i + 2] == 0x3F)  // CSI ? … c
                        || bytes[final] == 0x74  // CSI … t
                    if isReply { out.replies += bytes[i...final] } else { out.keys += bytes[i...final] }
                    i = final + 1
                case 0x5F, 0x50:  // APC, DCS: a string up to ST (ESC \) or BEL
                    guard let end = stringEnd(bytes, from: i + 2) else {
                        rest()
                        break
                    }
                    out.replies += bytes[i..<end]
                    i = end
                case 0x4F:  // SS3 (application keypad keys): one more byte
                    guard i + 2 < bytes.count else {
                        rest()
                        break
                    }
                    out.keys += bytes[i...(i + 2)]
                    i += 3
                default:  // Esc, or Alt with a key
                    out.keys.append(b)
                    i += 1
                }
            } else if b >= 0xC0 {
                // The first byte of a UTF-8 character: 2, 3 or 4 bytes in all.
                let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
                guard i + length <= bytes.count else {
                    rest()
                    break
                }
                out.keys += bytes[i..<(i + length)]
                i += length
            } else {
                out.keys.append(b)
                i += 1
            }
        }
        return out
    }

    /// Where a string sequence starting at `start` ends (after its ST or BEL), nil when it has not yet.
    private static func stringEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        var j = start
        while j < bytes.count {
            if bytes[j] == 0x07 { return j + 1 }
            if bytes[j] == 0x1B && j + 1 < bytes.count && bytes[j + 1] == 0x5C { return j + 2 }
            j += 1
        }
        return nil
    }
}
