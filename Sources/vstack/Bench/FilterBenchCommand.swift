import ArgumentParser
import Formats
import Processing

/// Times a pipeline on one whole plane already in memory (the operators only,
/// no I/O), on a chosen number of cores: `bench/operators.py` compares it with
/// scipy.ndimage and scikit-image on the same plane.
struct FilterBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "filter",
        abstract: "Run a --filter pipeline on one plane repeatedly; print time per run.")

    @Argument(help: ArgumentHelp(CLI.datasetHelp))
    var path: String

    @OptionGroup var plane: PlaneOptions

    @Option(help: ArgumentHelp("The pipeline, e.g. 'gaussian(2)'.", valueName: "PIPELINE"))
    var filter: String

    @Option(name: .customLong("threads"), help: "Cores the operators may use (default: all).")
    var threadCount: Int?
    var threads: Int { threadCount ?? System.coreCount }

    @Option(help: "Runs to time.")
    var runs: Int = 10

    @Option(name: .shortAndLong, help: ArgumentHelp("Also write the result as .npy (to check it).", valueName: "FILE"))
    var output: String?

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let pipeline = try FilterOptions.parse(filter)
        let array = try plane.open(path)
        let selection = try plane.selection(for: array)
        let operators = try pipeline.operators(OperatorSetup())
        guard HaloPlan(operators).total.z == 0 else {
            throw UsageFailure("--filter: bench filter runs 2-D pipelines only")
        }
        let data = try selection.readPlane(array, threads: System.coreCount)
        let box = Box(z: 0..<1, y: 0..<data.shape[0], x: 0..<data.shape[1])
        let input = FloatVolume(height: data.shape[0], width: data.shape[1], pixels: data.floats())
        let kind = PlaneFilter.kind(of: data.dataType)
        var times: [Double] = []
        var result: VolumePipeline.Result?
        for _ in 0..<max(1, runs) {
            let t0 = Clock.now()
            result = VolumePipeline.run(
                operators, input: input, inputBox: box, core: box, limit: box, kind: kind,
                threads: max(1, threads))
            times.append(Clock.now() - t0)
        }
        if let output, let result {
            try OutputFile.write(NPY.encode(ArrayBuffer(float32: result.volume.pixels, shape: data.shape)), to: output)
        }
        times.sort()
        let median = times[times.count / 2], best = times[0]
        if json {
            print(
                "{\"runs\": \(times.count), \"median_ms\": \(median * 1000), \"best_ms\": \(best * 1000), \"threads\": \(threads), \"pixels\": \(input.pixels.count)}"
            )
        } else {
            print(
                "\(pipeline.text) on \(data.shape[0])x\(data.shape[1]), \(threads) thread(s): median \(median * 1000) ms, best \(best * 1000) ms"
            )
        }
    }
}
