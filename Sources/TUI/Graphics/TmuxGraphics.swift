import Foundation
import Rendering

/// Inside tmux the graphics queries and images must be wrapped (`TmuxPassthrough`) to reach
/// the outer terminal, and tmux passes them only with `allow-passthrough` on. tmux records what
/// the outer terminal is (`client_termname`, `client_termtype`, `client_termfeatures`), so the
/// protocol is chosen from that without sending anything.
public struct TmuxGraphics: Sendable {
    /// `allow-passthrough` is `on` or `all`.
    public var passthrough: Bool
    /// The outer terminal's TERM, its XTVERSION answer and tmux's feature list for it.
    public var clientTerm: String, clientType: String, clientFeatures: String

    public init(passthrough: Bool, clientTerm: String, clientType: String, clientFeatures: String) {
        (self.passthrough, self.clientTerm, self.clientType, self.clientFeatures) = (
            passthrough, clientTerm, clientType, clientFeatures
        )
    }

    /// Asks the tmux server this process runs under (nil outside tmux, or when `tmux` cannot be run).
    public static func current(environment env: [String: String]) -> TmuxGraphics? {
        guard let tmux = env["TMUX"], !tmux.isEmpty else { return nil }
        guard
            let info = run(["display-message", "-p", "#{client_termname}\t#{client_termtype}\t#{client_termfeatures}"]),
            let pass = run(["show-options", "-gv", "allow-passthrough"])
        else { return nil }
        let fields = info.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        let p = pass.trimmingCharacters(in: .whitespacesAndNewlines)
        return TmuxGraphics(
            passthrough: p == "on" || p == "all", clientTerm: fields.first ?? "",
            clientType: fields.count > 1 ? fields[1] : "", clientFeatures: fields.count > 2 ? fields[2] : "")
    }

    /// The protocol the outer terminal speaks, as tmux knows it (passthrough aside).
    public var outerProtocol: PixelProtocol? {
        let term = clientTerm.lowercased(), type = clientType.lowercased()
        if term.contains("kitty") || term.contains("ghostty") || type.hasPrefix("kitty") || type.hasPrefix("wezterm")
            || type.hasPrefix("ghostty") || type.hasPrefix("konsole")
        {
            return .kitty
        }
        if type.hasPrefix("iterm2") { return .iterm }
        if term.hasPrefix("foot") || type.hasPrefix("foot") || clientFeatures.split(separator: ",").contains("sixel") {
            return .sixel
        }
        return nil
    }

    /// What to tell the user when the outer terminal shows pixels but tmux will not pass them.
    public static let passthroughHint =
        "tmux: allow-passthrough is off; `tmux set -g allow-passthrough on` shows real pixels"

    private static func run(_ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["tmux"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
    }
}
