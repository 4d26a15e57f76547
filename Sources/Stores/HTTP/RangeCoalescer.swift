import Foundation
import Synchronization
import Threads

/// Range reads of one value that arrive together and lie close together go out as one
/// request: the loads of a shard's inner chunks (or a TIFF's blocks) are started by the
/// scheduler at the same moment, each for its own few kilobytes. The first read of a
/// value waits a moment (a tenth of the measured round trip, at most 3 ms) for others;
/// then the reads gathered are sorted, reads less than `maxGap` apart are merged into
/// spans of at most `maxSpan`, each span is one request, and each read gets its slice.
final class RangeCoalescer: Sendable {
    static let maxGap = 64 << 10
    static let maxSpan = 16 << 20
    static let maxWindow = 0.003

    /// Thread contract: `ranges` grows under `RangeCoalescer.open`'s lock while the batch is open, and is read by its leader only after it closed it; `results` are written once under `done`, which the other requests wait on.
    private final class Batch: @unchecked Sendable {
        /// Appended to only while the batch is open (under `RangeCoalescer.open`'s lock).
        var ranges: [(offset: Int, length: Int)] = []
        /// Each read's result, once the batch is served.
        let done = ConditionLock<[Result<[UInt8]?, Error>]?>(nil)
    }
    private let open = Mutex<[String: Batch]>([:])
    private let merged = Atomic<Int>(0)

    /// Reads saved so far (requests not sent because a neighbour's request carried them).
    var savedRequests: Int { merged.load(ordering: .relaxed) }

    /// `length` bytes at `offset` of the value at `url`; `fetch` sends one range request.
    func read(
        _ url: String, offset: Int, length: Int, window: Double,
        fetch: (_ offset: Int, _ length: Int, _ cancellable: Bool) throws -> [UInt8]?
    ) throws -> [UInt8]? {
        let (batch, index, leads) = open.withLock { m -> (Batch, Int, Bool) in
            if let b = m[url] {
                b.ranges.append((offset, length))
                return (b, b.ranges.count - 1, false)
            }
            let b = Batch()
            b.ranges = [(offset, length)]
            m[url] = b
            return (b, 0, true)
        }
        if leads {
            if window > 0 { usleep(useconds_t(min(window, RangeCoalescer.maxWindow) * 1e6)) }
            open.withLock { m in m[url] = nil }  // closed: later reads start a batch of their own
            let results = serve(batch.ranges, fetch: fetch)
            batch.done.withLock(wakes: true) { $0 = results }
            return try results[index].get()
        }
        // The leader's requests have timeouts and retries of their own, so this ends.
        return try batch.done.wait(until: { $0 != nil }, then: { $0![index] })!.get()
    }

    private func serve(
        _ ranges: [(offset: Int, length: Int)],
        fetch: (Int, Int, Bool) throws -> [UInt8]?
    ) -> [Result<[UInt8]?, Error>] {
        var results = [Result<[UInt8]?, Error>](repeating: .success(nil), count: ranges.count)
        let order = ranges.indices.sorted { ranges[$0].offset < ranges[$1].offset }
        var spans: [(start: Int, end: Int, members: [Int])] = []
        for i in order {
            let (o, n) = ranges[i]
            if var last = spans.last, o <= last.end + RangeCoalescer.maxGap,
                max(last.end, o + n) - last.start <= RangeCoalescer.maxSpan
            {
                last.end = max(last.end, o + n)
                last.members.append(i)
                spans[spans.count - 1] = last
            } else {
                spans.append((o, o + n, [i]))
            }
        }
        merged.add(ranges.count - spans.count, ordering: .relaxed)
        for span in spans {
            // A span that serves other loads is not aborted when the leader's load is cancelled.
            let result = Result {
                try fetch(span.start, span.end - span.start, span.members.count == 1 && ranges.count == 1)
            }
            if case .failure = result, span.members.count > 1 {
                // One bad range (past the end of a truncated file) must not fail its neighbours: each alone.
                merged.subtract(span.members.count - 1, ordering: .relaxed)
                for i in span.members { results[i] = Result { try fetch(ranges[i].offset, ranges[i].length, false) } }
                continue
            }
            for i in span.members {
                results[i] = result.map { bytes in
                    bytes.map {
                        Array($0[(ranges[i].offset - span.start)..<(ranges[i].offset - span.start + ranges[i].length)])
                    }
                }
            }
        }
        return results
    }
}
