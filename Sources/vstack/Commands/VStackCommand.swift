import ArgumentParser

struct VStackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vstack",
        abstract:
            "A terminal viewer for huge lazy microscopy arrays (Zarr, OME-Zarr, N5, TIFF, NumPy .npy; local or over HTTP and S3).",
        discussion: """
            `vstack PATH` is the same as `vstack view PATH`.

            Reads: \(CLI.formatsRead)
            """,
        version: "0.1.0",
        subcommands: [
            ViewCommand.self, DemoCommand.self, InfoCommand.self, ExportCommand.self, RenderCommand.self,
            KeysCommand.self, OperatorsCommand.self, BenchCommand.self, VersionCommand.self,
        ],
        defaultSubcommand: ViewCommand.self
    )
}
