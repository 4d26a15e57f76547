import ArgumentParser
import Formats

/// The view options shared by view, demo, render and export (SPEC §1).
struct PlaneOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Index of non-displayed axes by name or position, e.g. z=10,t=3 (default: the middle).", valueName: "AXIS=I,..."))
    var at: String?

    @Option(help: ArgumentHelp("Name the axes of an array that carries no names, e.g. ctzyx.", valueName: "NAMES"))
    var axes: String?

    @Option(help: ArgumentHelp("The two displayed axes (default: y,x when named, else the last two).", valueName: "Y,X"))
    var display: String?

    @Option(help: ArgumentHelp("Data region of the displayed plane (default: all of it).", valueName: "Y0:Y1,X0:X1"))
    var region: String?

    func selection(for array: LazyArray) throws -> PlaneSelection {
        let m = array.metadata
        guard m.rank >= 2 else {
            throw UsageFailure("\(m.location): the array has \(m.rank) dimension\(m.rank == 1 ? "" : "s"); vstack shows 2-D planes of arrays with at least 2")
        }
        return try PlaneSelection(array.metadata, axes: axes, at: at, display: display, region: region)
    }
}
