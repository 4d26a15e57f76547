import ArgumentParser
import Formats

struct ViewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "view",
        abstract: "Open the interactive viewer on a dataset.")

    @Argument(help: "A Zarr array directory, or demo: for the synthetic dataset.")
    var path: String

    @OptionGroup var plane: PlaneOptions

    func run() throws {
        let array = try Dataset.open(path)
        _ = try plane.selection(for: array)
        throw RuntimeFailure("\(path): the interactive viewer is not built yet; use 'vstack info' or 'vstack export'")
    }
}
