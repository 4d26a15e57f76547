/// Inside tmux, graphics escapes reach the outer terminal only wrapped as
/// `ESC P tmux; … ESC \` with every ESC of the inner sequence doubled, and only
/// when tmux's `allow-passthrough` option is on.
public enum TmuxPassthrough {
    public static func wrap(_ sequence: [UInt8]) -> [UInt8] {
        var out: [UInt8] = Array("\u{1b}Ptmux;".utf8)
        out.reserveCapacity(sequence.count + sequence.count / 512 + 16)
        for b in sequence {
            if b == 0x1B { out.append(0x1B) }
            out.append(b)
        }
        out += [0x1B, 0x5C]
        return out
    }
}
