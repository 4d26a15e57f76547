import ArgumentParser

/// Options only the interactive viewer has (view and demo).
struct ViewerOptions: ParsableArguments {
    @Flag(
        help:
            "Show and type positions from 1, as Fiji counts slices (z 1/201 is the first); default: from 0. --at and --region stay 0-based."
    )
    var oneBased = false

    @Option(
        help: ArgumentHelp(
            "Pixel modes: the link's speed in kilobits per second; a picture that would take longer than a tenth of a second is sent smaller and scaled up by the terminal (kitty, iTerm2).",
            valueName: "N"))
    var maxKbps: Int?

    func validate() throws {
        if let maxKbps, maxKbps < 8 || maxKbps > 100_000_000 {
            throw ValidationError("--max-kbps \(maxKbps): expected 8 to 100000000 kilobits per second")
        }
    }
}
