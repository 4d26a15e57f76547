import ArgumentParser
import Formats

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Shape, dtype, chunks, axes, bytes, codecs and levels of a dataset.")

    @Argument(help: ArgumentHelp(CLI.datasetHelp))
    var path: String

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Flag(help: "Read every file's (or page's) header of a TIFF series or stack and check its shape and dtype.")
    var check = false

    @Option(help: ArgumentHelp("Name the axes of an array that carries no names, e.g. ctzyx.", valueName: "NAMES"))
    var axes: String?

    @OptionGroup(title: "Remote data")
    var remote: RemoteCommandOptions

    func run() throws {
        remote.apply()
        let array = try Dataset.open(path)
        CLI.printWarnings(array)
        var checked: String?
        if check {
            guard let checkable = array as? CheckableArray else {
                throw UsageFailure("--check: \(array.metadata.format) arrays have nothing to check up front")
            }
            checked = try checkable.check()
        }
        let names = try AxisNames.resolve(array.metadata, override: axes)
        let report = InfoReport(
            metadata: array.metadata, pyramid: array.pyramid, axisNames: names,
            axesOrigin: AxisNames.origin(array.metadata, override: axes), checked: checked)
        print(json ? report.json() : report.table(), terminator: json ? "\n" : "")
    }
}
