import ArrayModel
import Cache
import Dispatch
import Rendering
import Synchronization

/// Reduces planes too big to assemble into screen pixels off the UI thread,
/// chunk by chunk through the cache (`PlaneReduction`); the frame draws what
/// is folded so far. Only the views on screen are wanted: a reduction the
/// view has left stops after its current chunks (latest wins).
final class ReductionWorker: Sendable {
    struct Key: Hashable, Sendable {
        /// The view in the level's coordinates, the level, the screen size and the downsampling.
        var view: PlaneSelection
        var level: Int
        var width: Int, height: Int
        var mode: DownsampleMode
    }

    private let queue = DispatchQueue(label: "vstack.reduce", qos: .userInitiated, attributes: .concurrent)
    private let wanted = Mutex<Set<Key>>([])
    private let running = Mutex<[Key: PlaneReduction]>([:])
    private let threads: Int

    init(threads: Int) { self.threads = threads }

    /// Makes `keys` the wanted reductions, starting those not running; returns
    /// them in order. `progress` runs on a worker after each chunk.
    func show(_ keys: [Key], levels: [CachedChunks], progress: @escaping @Sendable () -> Void) -> [PlaneReduction] {
        wanted.withLock { $0 = Set(keys) }
        running.withLock { map in map = map.filter { keys.contains($0.key) } }
        return keys.map { key in
            if let existing = running.withLock({ $0[key] }) { return existing }
            let chunks = levels[key.level]
            let reduction = PlaneReduction(
                view: key.view, dataType: chunks.array.metadata.dataType,
                width: key.width, height: key.height, mode: key.mode)
            reduction.countChunks(of: chunks.array.metadata.grid)
            running.withLock { $0[key] = reduction }
            queue.async { [self] in
                // Failed chunks are recorded (drawn as error tiles) and the rest still folds.
                _ = try? reduction.run(
                    chunks.array, source: chunks.source, threads: threads, continueOnError: true,
                    cancelled: { !self.isWanted(key) }, progress: progress)
                progress()
            }
            return reduction
        }
    }

    private func isWanted(_ key: Key) -> Bool { wanted.withLock { $0.contains(key) } }

    /// Nothing is wanted any more.
    func cancel() {
        wanted.withLock { $0.removeAll() }
        running.withLock { $0.removeAll() }
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
