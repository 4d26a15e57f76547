import ArgumentParser
import ArrayModel
import Stores

/// A mistyped subcommand (`vstack rendr x.zarr`): a bare word that is no file
/// and is close to a command's name gets `did you mean render?` instead of the
/// default command's confusing error about it. Words far from every name, and
/// anything that exists or looks like a path, keep the usual parsing.
enum CommandSuggestion {
    /// What plain `vstack` prints: the first things to try, then where the rest is.
    static let shortUsage = """
        vstack: a terminal viewer for huge lazy microscopy arrays.

          vstack demo                  open the viewer on a built-in synthetic light-sheet embryo
          vstack PATH                  view a Zarr, OME-Zarr, N5, TIFF (file, directory or pattern),
                                       .npy, HDF5, BigDataViewer XML or Imaris file, or an http(s):// or s3:// URL
          vstack info PATH             shape, dtype, chunks, axes, levels and channels
          vstack render PATH -o F.png  one picture; vstack export PATH --at z=10 -o plane.npy: one plane

        vstack --help lists every command; vstack keys, the viewer's keys.
        """

    /// The one-line message for `arguments` (without the program name), or nil.
    static func message(_ arguments: [String], root: ParsableCommand.Type = VStackCommand.self) -> String? {
        var command: ParsableCommand.Type = root
        var prefix = ""
        for word in arguments {
            let subcommands = command.configuration.subcommands
            guard !subcommands.isEmpty, !word.hasPrefix("-"), word != "help" else { return nil }
            let names = subcommands.map { $0._commandName } + ["help"]
            if let next = subcommands.first(where: { $0._commandName == word }) {
                command = next
                prefix += word + " "
                continue
            }
            guard looksLikeCommand(word), LocalStore.unreachableReason(word) != nil,
                let best = closest(word, names)
            else { return nil }
            return "unknown command '\(prefix)\(word)'; did you mean \(prefix)\(best)?"
        }
        return nil
    }

    /// Letters, digits and `-`: not a path, pattern, URL or `demo:`.
    static func looksLikeCommand(_ word: String) -> Bool {
        !word.isEmpty && word.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
    }

    /// The name within edit distance 1 (names of up to 4 letters) or 2, if exactly one is nearest.
    static func closest(_ word: String, _ names: [String]) -> String? {
        NameSuggestion.nearest(to: word.lowercased(), in: names)
    }
}
