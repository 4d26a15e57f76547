import ArgumentParser
import Formats

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "The built-in synthetic 5-D dataset (c=3, t=199, z=201, y=1024, x=768, uint16; no files needed).")

    @Flag(help: "Print the dataset's info instead of opening the viewer.")
    var info = false

    @Flag(help: "With --info, print JSON.")
    var json = false

    func run() throws {
        let array = try Dataset.open(Dataset.syntheticScheme)
        let names = try AxisNames.resolve(array.metadata)
        let report = InfoReport(metadata: array.metadata, axisNames: names, namesFromSource: true)
        if !info {
            // The interactive viewer arrives with the TUI issue; until then the demo describes its dataset.
            print("The interactive viewer is not built yet; the synthetic dataset it will open:\n")
        }
        print(json ? report.json() : report.table(), terminator: json ? "\n" : "")
    }
}
