import ArgumentParser
import TUI

/// The viewer's keys, from the same table as the `?` overlay.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "List the viewer's keys (the table the ? overlay shows).")

    @Flag(help: "Print a Markdown table (the README's).")
    var markdown = false

    func run() throws {
        print(
            markdown ? KeyMap.markdownTable() : KeyMap.helpLines().joined(separator: "\n"),
            terminator: markdown ? "" : "\n")
    }
}
