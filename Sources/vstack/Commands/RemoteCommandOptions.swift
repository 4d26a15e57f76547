import ArgumentParser
import Stores

/// How datasets behind URLs (`http(s)://`, `s3://`) are read: on every command that opens one.
struct RemoteCommandOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Seconds to connect, and seconds a transfer may stall, before a request fails (URLs only).",
            valueName: "SECONDS"))
    var timeout: Double = RemoteOptions().timeout

    @Option(
        help: ArgumentHelp(
            "Tries after the first for 5xx answers, resets and timeouts, with growing waits (URLs only).",
            valueName: "N"))
    var retries: Int = RemoteOptions().retries

    @Option(help: ArgumentHelp("Requests in flight at once (URLs only).", valueName: "N"))
    var maxRequests: Int = RemoteOptions().maxRequests

    @Flag(help: "Do not verify TLS certificates (a self-signed server).")
    var insecure = false

    @Flag(help: "Send no S3 credentials (a public bucket), even when some are set.")
    var anon = false

    func validate() throws {
        guard timeout > 0, timeout.isFinite else {
            throw ValidationError("--timeout must be a positive number of seconds")
        }
        guard (0...10).contains(retries) else { throw ValidationError("--retries must be from 0 to 10") }
        guard (1...256).contains(maxRequests) else { throw ValidationError("--max-requests must be from 1 to 256") }
    }

    /// Makes these the options of every remote store opened from now on.
    func apply() {
        var o = RemoteOptions()
        (o.timeout, o.retries, o.maxRequests, o.insecure, o.anonymous) = (timeout, retries, maxRequests, insecure, anon)
        RemoteOptions.current = o
    }

    /// `, "remote": {…}` for --stats, when any remote request was made.
    static func statisticsField() -> String {
        guard let client = HTTPClient.existing, case let s = client.statistics.snapshot, s.requests + s.failures > 0
        else { return "" }
        let ms = { (v: Double) in String(format: "%.1f", v * 1000) }
        return
            ", \"remote\": {\"requests\": \(s.requests), \"bytes_fetched\": \(s.bytesFetched), \"retries\": \(s.retries), "
            + "\"failures\": \(s.failures), \"coalesced_reads\": \(client.coalescedReads), "
            + "\"latency_mean_ms\": \(ms(s.latencyMean)), \"latency_p99_ms\": \(ms(s.latencyP99))}"
    }
}
