import ArgumentParser
import Formats

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Shape, dtype, chunks, axes, bytes, codecs and levels of a dataset.")

    @Argument(help: "A Zarr array directory, or demo: for the synthetic dataset.")
    var path: String

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Option(help: ArgumentHelp("Name the axes of an array that carries no names, e.g. ctzyx.", valueName: "NAMES"))
    var axes: String?

    func run() throws {
        let array = try Dataset.open(path)
        let names = try AxisNames.resolve(array.metadata, override: axes)
        let report = InfoReport(metadata: array.metadata, axisNames: names, namesFromSource: axes != nil || array.metadata.axisNames != nil)
        print(json ? report.json() : report.table(), terminator: json ? "\n" : "")
    }
}
