import ArgumentParser

/// Options only the interactive viewer has (view and demo).
struct ViewerOptions: ParsableArguments {
    @Flag(help: "Show and type positions from 1, as Fiji counts slices (z 1/201 is the first); default: from 0. --at and --region stay 0-based.")
    var oneBased = false
}
