import ArrayModel
import Cache
import Rendering
import Synchronization
import Threads

/// Reduces planes too big to assemble into screen pixels off the UI thread, as jobs on the one
/// pool (owner `.reduction`), chunk by chunk through the cache (`PlaneReduction`: its chunks
/// count against the one budget); the frame draws what is folded so far. Only the views on
/// screen are wanted: the pool drops a queued reduction the view has left and cancels a running
/// one, which stops after its current chunks (latest wins).
final class ReductionWorker: Sendable {
    struct Key: Hashable, Sendable {
        /// The view in the level's coordinates, the level, the screen size and the downsampling.
        var view: PlaneSelection
        var level: Int
        var width: Int, height: Int
        var mode: DownsampleMode
    }

    /// One reduction's job: a new reduction of the same view is another job (the one cancelled
    /// before may still be winding down).
    private struct JobID: Hashable, Sendable {
        let key: Key
        let reduction: ObjectIdentifier
    }

    private let jobs: JobQueue
    /// The wanted reductions, and whether each has run to its end.
    private let shown = Mutex<[Key: (reduction: PlaneReduction, finished: Bool)]>([:])
    private let threads: Int

    init(threads: Int) {
        self.threads = threads
        jobs = JobQueue(width: threads)
    }

    /// Makes `keys` the wanted reductions, starting those not running; returns
    /// them in order. `progress` runs on a worker after each chunk.
    func show(_ keys: [Key], levels: [CachedChunks], progress: @escaping @Sendable () -> Void) -> [PlaneReduction] {
        let (reductions, unfinished) = shown.withLock { map in
            map = map.filter { keys.contains($0.key) }
            for key in keys where map[key] == nil {
                let chunks = levels[key.level]
                let reduction = PlaneReduction(
                    view: key.view, dataType: chunks.array.metadata.dataType,
                    width: key.width, height: key.height, mode: key.mode)
                reduction.countChunks(of: chunks.array.metadata.grid)
                map[key] = (reduction, false)
            }
            return (keys.map { map[$0]!.reduction }, keys.filter { !map[$0]!.finished })
        }
        let threads = threads
        let wanted = unfinished.enumerated().map { rank, key in
            let reduction = reductions[keys.firstIndex(of: key)!]
            let chunks = levels[key.level]
            return JobQueue.Job(
                key: JobKey(JobID(key: key, reduction: ObjectIdentifier(reduction))), tier: .visible,
                rank: Double(rank)
            ) { [self] token in
                // Failed chunks are recorded (drawn as error tiles) and the rest still folds.
                let ended =
                    (try? reduction.run(
                        chunks.array, source: chunks.source, threads: threads, continueOnError: true,
                        cancelled: { token.isCancelled }, progress: progress)) ?? true
                if ended {
                    shown.withLock { map in
                        if map[key]?.reduction === reduction { map[key]?.finished = true }
                    }
                }
                progress()
            }
        }
        jobs.replace(with: wanted, owner: .reduction)
        return reductions
    }

    /// Nothing is wanted any more.
    func cancel() {
        jobs.cancel(owner: .reduction)
        shown.withLock { $0.removeAll() }
    }
}

extension PlaneReduction {
    /// What is folded so far as a partial plane of screen pixels (float32, rows × columns of the
    /// screen), for the frame: incomplete pixels listed as missing, failed chunks as failed.
    func partialPlane() -> PlaneLoader.PartialPlane {
        let (image, complete) = image()
        var missing: [PlaneLoader.Part] = []
        for j in 0..<height {
            var i = 0
            while i < width {
                guard !complete[j * width + i] else {
                    i += 1
                    continue
                }
                let start = i
                while i < width && !complete[j * width + i] { i += 1 }
                missing.append((rows: j..<(j + 1), columns: start..<i))
            }
        }
        var shown = view
        (shown.rows, shown.columns) = (0..<height, 0..<width)
        let failed = failures.map { (rows: $0.rows, columns: $0.columns, message: $0.message) }
        let failedCells = Set(failed.flatMap { f in f.rows.flatMap { j in f.columns.map { j * width + $0 } } })
        return PlaneLoader.PartialPlane(
            plane: ArrayBuffer(float32: image.pixels, shape: [height, width]), view: shown, level: 0,
            missing: missing.filter { m in
                !m.columns.allSatisfy { failedCells.contains(m.rows.lowerBound * width + $0) }
            },
            coarse: [], failed: failed)
    }
}
