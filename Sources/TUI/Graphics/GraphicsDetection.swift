import Rendering

/// Which pixel protocol the terminal speaks (SPEC §5 "real pixels"): hints from the environment,
/// confirmed by the terminal's own answers. Nothing answered means half blocks: a guess that
/// draws garbage is worse than no pixels.
public enum GraphicsDetection {
    static let kittyQueryID = 31

    /// Asked together, DA1 last: every terminal answers DA1, and answers in order, so its reply
    /// means the others have arrived or will not. The kitty query is a 1×1 image that is only
    /// checked (`a=q`), never stored; XTVERSION names the terminal; `CSI 16 t` gives the cell size.
    public static let queries: [UInt8] = Array(
        "\u{1b}_Gi=\(kittyQueryID),s=1,v=1,a=q,t=d,f=24;AAAA\u{1b}\\\u{1b}[>q\u{1b}[16t\u{1b}[c".utf8)

    /// The terminal as the environment describes it (TERM, TERM_PROGRAM and the variables kitty,
    /// WezTerm, Konsole and iTerm2 set); nil when it says nothing definite.
    public static func hint(_ env: [String: String]) -> PixelProtocol? {
        let term = env["TERM"] ?? "", program = env["TERM_PROGRAM"] ?? ""
        if env["KITTY_WINDOW_ID"] != nil || term == "xterm-kitty" || term == "xterm-ghostty" || program == "ghostty"
            || env["WEZTERM_EXECUTABLE"] != nil || program == "WezTerm" || env["KONSOLE_VERSION"] != nil
        {
            return .kitty
        }
        if program == "iTerm.app" || env["ITERM_SESSION_ID"] != nil { return .iterm }
        if term.hasPrefix("foot") || term == "mlterm" || term == "yaft-256color" { return .sixel }
        return nil
    }

    /// The protocol to draw with, from the replies (nil: none answered, or none spoken).
    public static func choose(hint: PixelProtocol?, replies: TerminalReplies) -> PixelProtocol? {
        guard replies.deviceAttributes != nil || replies.kittyGraphics || replies.version != nil else { return nil }
        let version = (replies.version ?? "").lowercased()
        if replies.kittyGraphics { return .kitty }
        if version.hasPrefix("iterm2") || (hint == .iterm && replies.deviceAttributes != nil) { return .iterm }
        if replies.sixel { return .sixel }
        return nil
    }

    /// The protocols a terminal that chose `best` also shows, for `r` to cycle through.
    public static func alternatives(_ best: PixelProtocol, replies: TerminalReplies) -> [PixelProtocol] {
        var all = [best]
        if replies.sixel && best != .sixel { all.append(.sixel) }
        return all
    }
}
