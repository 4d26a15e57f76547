import ArgumentParser
import Processing

/// The `--filter` operators with their arguments and references, from the catalog the parser uses.
struct OperatorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operators",
        abstract: "List the --filter operators, their arguments (defaults) and the reference each follows.")

    func run() throws {
        let rows = OperatorCatalog.all.map { spec in
            let args = spec.parameters.map { p in p.name + (p.defaultValue.map { "=\($0)" } ?? "") }.joined(
                separator: ", ")
            return (spec.name + (args.isEmpty ? "" : "(\(args))"), spec.reference)
        }
        let width = rows.map(\.0.count).max() ?? 0
        for (signature, reference) in rows {
            print(signature.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + reference)
        }
        print(
            "\nA pipeline joins stages with |, e.g. 'gaussian(2)|threshold(otsu)'; a (z,y,x) tuple makes a stage 3-D.")
    }
}
