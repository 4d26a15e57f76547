#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Formats
import Threads

// The work pool first: it sets the allocator's policy (arenas, a fixed mmap threshold) before
// anything is allocated, so that resident memory follows what is live from the start.
_ = WorkPool.shared

// Exit codes (SPEC §1): 0 success, 1 runtime error (bad data, I/O), 2 usage error.
// Every error is one line on stderr: `vstack: WHERE: PROBLEM`.
// Plain `vstack`: what to try first (on stdout), not "missing argument <path>".
if CommandLine.arguments.count == 1 {
    print(CommandSuggestion.shortUsage)
    exit(2)
}
// `vstack --version --verbose` is `vstack version` (argument-parser's --version takes no companions).
if Set(CommandLine.arguments.dropFirst()) == ["--version", "--verbose"] {
    do { try VersionCommand().run() } catch { CLI.fail(error, code: 1) }
    fflush(nil)
    exit(0)
}
if let suggestion = CommandSuggestion.message(Array(CommandLine.arguments.dropFirst())) {
    CLI.fail(suggestion, code: 2)
}
do {
    var command = try VStackCommand.parseAsRoot()
    try command.run()
    fflush(nil)
    exit(0)
} catch {
    fflush(nil)
    switch error {
    // Every error vstack throws is shown by `ErrorLine.text`; its type decides the exit code.
    case is DatasetError, is RuntimeFailure: CLI.fail(error, code: 1)
    case is SelectionError, is UsageFailure: CLI.fail(error, code: 2)
    default:
        let code = VStackCommand.exitCode(for: error)
        if code == .success { VStackCommand.exit(withError: error) }  // --help, --version
        let message = VStackCommand.message(for: error).split(separator: "\n").first.map(String.init) ?? "usage error"
        CLI.fail("\(message) (see 'vstack --help')", code: 2)
    }
}
