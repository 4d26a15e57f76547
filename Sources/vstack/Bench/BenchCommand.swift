import ArgumentParser

/// Measurements without a terminal; `bench/run.py` drives these and compares with the peers.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure vstack's core without a terminal (see bench/README.md).",
        subcommands: [
            DecodeBenchCommand.self, RenderBenchCommand.self, ScrubBenchCommand.self, PlaneBenchCommand.self,
            FilterBenchCommand.self, ZoomBenchCommand.self, LabelsBenchCommand.self, PixelsBenchCommand.self,
            SixelBenchCommand.self,
        ])
}
