import ArgumentParser
import Dispatch
import Formats
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Decodes every chunk of an array on a pool of threads and reports throughput.
struct DecodeBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode every chunk of an array; print chunks, bytes, seconds and MB/s.")

    @Argument(help: "A Zarr array directory, or demo: (the synthetic source: 64 chunks spread evenly over it).")
    var path: String

    @Option(name: .customLong("threads"), help: "Decoding threads (default: one per core).")
    var threadCount: Int?
    var threads: Int { threadCount ?? System.coreCount }

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let array = try Dataset.open(path)
        let grid = array.metadata.grid
        // The synthetic source is 1.9 million computed chunks: time an even sample of them
        // (every c, t and z range, empty agarose and dense tissue alike), not the first few.
        let synthetic = array.metadata.format == "synthetic"
        let total = synthetic ? min(64, grid.chunkCount) : grid.chunkCount
        let stride = synthetic ? grid.chunkCount / total : 1
        let next = Atomic<Int>(0)
        let decodedBytes = Atomic<Int>(0)
        let failure = Mutex<String?>(nil)
        let start = Clock.now()
        DispatchQueue.concurrentPerform(iterations: max(1, threads)) { _ in
            while true {
                let i = next.add(1, ordering: .relaxed).oldValue
                if i >= total { return }
                let index = grid.chunkIndex(flat: i * stride)
                do {
                    let bytes =
                        try array.readChunk(index)?.bytes.count ?? grid.elementsPerChunk * array.metadata.dataType.size
                    decodedBytes.add(bytes, ordering: .relaxed)
                } catch {
                    failure.withLock { if $0 == nil { $0 = "\(error)" } }
                    return
                }
            }
        }
        let seconds = Clock.now() - start
        if let message = failure.withLock({ $0 }) { throw RuntimeFailure(message) }
        let bytes = decodedBytes.load(ordering: .relaxed)
        let mbps = Double(bytes) / seconds / 1e6
        if json {
            print(
                "{\"chunks\": \(total), \"decoded_bytes\": \(bytes), \"seconds\": \(seconds), \"mb_per_s\": \(mbps), \"threads\": \(threads)}"
            )
        } else {
            print("\(total) chunks, \(bytes) bytes decoded in \(seconds) s: \(Int(mbps)) MB/s on \(threads) threads")
        }
    }
}

enum Clock {
    /// Monotonic seconds.
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}

enum System {
    static var coreCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
    /// Chunks to load at once for `array`: one per core, or more for a source that waits on
    /// a network (its decoding still takes one core each, `DecodeGate`).
    static func loadThreads(_ array: LazyArray) -> Int { array.preferredConcurrency ?? coreCount }
}
