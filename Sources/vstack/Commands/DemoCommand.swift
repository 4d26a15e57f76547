import ArgumentParser
import Formats

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract:
            "Open the viewer on the built-in synthetic 5-D dataset (c=3, t=199, z=201, y=1024, x=768, uint16; no files needed)."
    )

    @Flag(help: "Print the dataset's info instead of opening the viewer.")
    var info = false

    @Flag(help: "With --info, print JSON.")
    var json = false

    @OptionGroup var plane: PlaneOptions
    @OptionGroup var look: RenderOptions
    @OptionGroup var caching: CacheOptions
    @OptionGroup var filtering: FilterOptions
    @OptionGroup var labelling: LabelOptions
    @OptionGroup var viewer: ViewerOptions

    func run() throws {
        if info {
            let array = try Dataset.open(Dataset.syntheticScheme)
            let names = try AxisNames.resolve(array.metadata)
            let report = InfoReport(metadata: array.metadata, axisNames: names, axesOrigin: .source)
            print(json ? report.json() : report.table(), terminator: json ? "\n" : "")
            return
        }
        try ViewCommand.open(
            Dataset.syntheticScheme, plane: plane, look: look, caching: caching, filtering: filtering,
            labelling: labelling, viewer: viewer)
    }
}
