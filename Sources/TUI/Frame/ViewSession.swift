import ArrayModel
import Cache
import Foundation
import Processing
import Rendering
import Threads
import Synchronization

/// The loads behind one view's frames: the image loader, the shown label image's loader, the
/// reduction and filter workers and the probe's one-pixel read. `request(plan)` starts what a
/// plan needs and supersedes what the last plan asked for (only the parts that changed);
/// `resident(plan)` gathers what is in memory now for the composer, without a storage read.
/// Thread contract: UI thread only; its workers report through `wake`, on theirs.
public final class ViewSession {
    public let loader: PlaneLoader
    let array: LazyArray
    private let reductions: ReductionWorker
    private let filters: FilterWorker
    private let wake: @Sendable () -> Void
    private let openLabels: ViewerApp.LabelOpener?
    private let labelNames: [String]
    /// Label images opened so far, by index of the label names (opened when first shown).
    private var labelLayers: [Int: Result<LabelLayer, Error>] = [:]
    /// Label images being opened on the pool, and those whose opening ended (handed over here).
    private var opening: Set<Int> = []
    private let openedLabels = OpenedLabels()
    private let labelOpens = JobQueue(width: 1)
    /// The shown label image's loader: its own pins and plans on the image loader's workers.
    private var labelLoader: (index: Int, loader: PlaneLoader)?
    /// The probe's read: its own pins, no prefetch.
    private let probeLoader: PlaneLoader
    /// What the last request asked for, part by part (a part is requested again only when it changed).
    private var requestedImage: FramePlan.ImagePart?
    private var requestedLabels: FramePlan.LabelPart?
    private var requestedProbe: PlaneSelection?
    /// The reductions of the last plan that reduces, in the order of its views.
    private var running: [PlaneReduction] = []
    private let owner = ThreadOwner()

    /// - Parameters:
    ///   - maxWorkPixels: filters run at full resolution up to this many shown pixels.
    ///   - labelNames: the label images `openLabels` opens, by index.
    ///   - wake: called on a worker whenever something arrived (a chunk settled, a result, progress).
    public init(
        array: LazyArray, cache: ChunkCache, labelNames: [String] = [], openLabels: ViewerApp.LabelOpener? = nil,
        wake: @escaping @Sendable () -> Void
    ) {
        self.array = array
        self.wake = wake
        self.openLabels = openLabels
        self.labelNames = labelNames
        // Signalled once a load, when it has settled: its chunk is in the cache and it no longer counts
        // as pending, so the frame drawn then has the chunk and the status line's "N loading" the new N.
        loader = PlaneLoader(array: array, cache: cache, onSettled: wake)
        probeLoader = PlaneLoader(layer: array, sharing: loader, owner: PinOwner("probe"))
        probeLoader.policy.budgetFraction = 0
        reductions = ReductionWorker(threads: ProcessInfo.processInfo.activeProcessorCount)
        // Filtered planes share --cache with the chunks: a quarter of it, at most 256 MiB.
        filters = FilterWorker(
            threads: ProcessInfo.processInfo.activeProcessorCount,
            budget: cache.setAside(min(256 << 20, cache.budget / 4)))
    }

    public var pyramid: [PyramidLevel] { loader.pyramid }
    public var cache: ChunkCache { loader.cache }

    /// The label image `index` once opened (nil: not yet, or there is none of that index). Opening
    /// reads metadata, maybe over a network: it is a job on the work pool, and `wake` tells when it
    /// is done; meanwhile the plan says the labels are opening.
    func labelLayer(_ index: Int) -> Result<LabelLayer, Error>? {
        owner.check()
        guard let openLabels, index < labelNames.count else { return nil }
        if let opened = labelLayers[index] { return opened }
        if let opened = openedLabels.results.withLock({ $0[index] }) {
            labelLayers[index] = opened
            return opened
        }
        if opening.insert(index).inserted {
            let (name, openedLabels, wake) = (labelNames[index], openedLabels, wake)
            labelOpens.enqueue(
                [
                    JobQueue.Job(key: JobKey(index), tier: .visible, rank: 0) { _ in
                        let result = Result { try openLabels(name) }
                        openedLabels.results.withLock { $0[index] = result }
                        wake()
                    }
                ], owner: .labels)
        }
        return nil
    }

    /// The plan for `request`, with the label image opened when it is shown.
    public func plan(_ request: FrameRequest, maxWorkPixels: Int = PlaneFilter.defaultMaxWorkPixels) -> FramePlan {
        let layer = request.labels.flatMap { try? labelLayer($0)?.get() }
        return FramePlan(
            request, pyramid: loader.pyramid, cacheBudget: loader.cache.budget, maxWorkPixels: maxWorkPixels,
            labelLayer: layer)
    }

    /// Starts what `plan` needs that the last request did not: the image's loads or reductions,
    /// the filters (queued again if a result was evicted), the label image's loads and the probe's.
    /// Returns whether the image part is new (its first frame counts the view's cache hits).
    @discardableResult
    public func request(_ plan: FramePlan) -> Bool {
        owner.check()
        let image = plan.imagePart
        let newImage = image != requestedImage
        if newImage {
            requestedImage = image
            switch plan.image {
            case .reduce:
                // Nothing of the image is assembled: its queued loads go, the reduction reads through the cache.
                loader.execute(LoadPlan(level: plan.level))
                let keys = plan.levelViews.map { v in
                    ReductionWorker.Key(
                        view: v, level: plan.level, width: plan.width, height: plan.height,
                        mode: plan.request.downsample)
                }
                running = reductions.show(keys, levels: loader.levels, progress: wake)
            case .assemble:
                reductions.cancel()
                running = []
                loader.show(plan.request.views, level: plan.level, channelAxis: plan.request.channelAxis)
            }
        }
        if let part = plan.filter, let pipeline = plan.request.pipeline {
            filters.show(part.keys, pipeline: pipeline, pyramid: loader.pyramid, levels: loader.levels, done: wake)
        } else {
            filters.cancel()
        }
        requestLabels(plan.labels)
        if plan.probe != requestedProbe {
            requestedProbe = plan.probe
            if let probe = plan.probe { probeLoader.show([probe], level: 0) } else { probeLoader.stop() }
        }
        return newImage
    }

    private func requestLabels(_ part: FramePlan.LabelPart?) {
        guard let part else {
            labelLoader?.loader.stop()
            (labelLoader, requestedLabels) = (nil, nil)
            return
        }
        if labelLoader?.index != part.index, case .success(let layer)? = labelLayers[part.index] {
            labelLoader?.loader.stop()
            labelLoader = (part.index, PlaneLoader(layer: layer.array, sharing: loader, owner: .labels))
            requestedLabels = nil
        }
        if part != requestedLabels, let labels = labelLoader?.loader {
            labels.show([part.view], level: part.level)
            requestedLabels = part
        }
    }

    /// What is in memory now for `plan`'s frame: nothing is read from storage and nothing started.
    /// - Parameter counting: count the view's resident chunks as cache hits (the first frame of a view).
    public func resident(_ plan: FramePlan, counting: Bool) throws -> FrameInputs {
        owner.check()
        var inputs = FrameInputs()
        switch plan.image {
        case .reduce:
            inputs.planes = running.map { $0.partialPlane() }
            inputs.reducedLimits = running.map { r in
                let c = r.autoContrast()
                return RenderSettings.Limits(c.low, c.high)
            }
            inputs.reading = (running.reduce(0) { $0 + $1.chunksDone }, running.reduce(0) { $0 + $1.chunkTotal })
        case .assemble:
            inputs.planes = try plan.request.views.map {
                try loader.residentPlane($0, level: plan.level, counting: counting)
            }
        }
        if let part = plan.filter {
            inputs.filter = .computing(factor: part.factor)
            var planes: [FilteredPlane] = []
            for key in part.keys {
                switch filters.results.get(key) {
                case .plane(let p): planes.append(p)
                case .failure(let message):
                    inputs.filter = .failed(factor: part.factor, message)
                case nil: break
                }
            }
            if planes.count == part.keys.count { inputs.filter = .planes(planes) }
        }
        if let index = plan.request.labels {
            switch labelLayers[index] {
            case .failure(let error)?:
                inputs.labels = .unopenable(ErrorLine.text(error, context: "labels \(labelNames[index])"))
            case .success(let layer)?:
                if case .noAxes(let why)? = plan.labelProblem {
                    inputs.labels = .failed(why)
                } else if let part = plan.labels, let labels = labelLoader?.loader {
                    do {
                        let partial =
                            part.step == 1
                            ? try labels.residentPlane(part.view, level: part.level, counting: counting)
                            : try labels.residentSampledPlane(
                                part.view, level: part.level, step: part.step, counting: counting)
                        inputs.labels = .plane(partial, layer)
                    } catch {
                        inputs.labels = .failed(ErrorLine.text(error))
                    }
                }
            case nil: break
            }
        }
        if let probe = plan.probe {
            let partial = try probeLoader.residentPlane(probe, level: 0, counting: false)
            if partial.missing.isEmpty && partial.failed.isEmpty && partial.coarse.isEmpty {
                inputs.probeValue = partial.plane.double(at: 0)
            }
        }
        inputs.loading = inputs.planes.reduce(0) { $0 + $1.missing.count + $1.coarse.count }
        inputs.inFlight = loader.scheduler.pending
        return inputs
    }

    /// Waits until the image layer of `plan` is drawn from the plan's own level (`complete`) or at
    /// least filled (the coarsest level's chunks resident: they cover the view), or a reduction has
    /// folded every chunk; false on timeout. For the benchmarks: the viewer never waits.
    public func waitUntilDrawn(_ plan: FramePlan, complete: Bool, timeout: Double = 60) -> Bool {
        switch plan.image {
        case .assemble:
            let coarse = plan.coarseKeys(loader.levels, pyramid: loader.pyramid)
            return loader.waitUntilLoaded(
                complete || coarse.isEmpty ? plan.imageKeys(loader.levels) : coarse, timeout: timeout)
        case .reduce:
            let deadline = Date().addingTimeInterval(timeout)
            while running.contains(where: { $0.chunksDone < $0.chunkTotal }) {
                guard Date() < deadline else { return false }
                Thread.sleep(forTimeInterval: 0.002)
            }
            return true
        }
    }

    /// The first failure among the image's chunks, if one failed.
    public func failure(_ plan: FramePlan) -> String? {
        plan.imageKeys(loader.levels).lazy.compactMap { self.loader.failure($0) }.first
    }

    /// Stops every load and worker after its current piece (the viewer quits).
    public func stop() {
        reductions.cancel()
        filters.cancel()
        labelLoader?.loader.stop()
        probeLoader.stop()
        loader.stop()
    }
}

/// Label images whose opening ended on the pool, until the UI thread takes them.
private final class OpenedLabels: Sendable {
    let results = Mutex<[Int: Result<LabelLayer, Error>]>([:])
}

/// What the frame of a plan draws, gathered from memory by `ViewSession.resident`.
public struct FrameInputs {
    /// The filter layer's state.
    public enum Filter {
        case off
        case computing(factor: Int)
        case failed(factor: Int, String)
        case planes([FilteredPlane])
    }

    /// The label layer's state.
    public enum Labels {
        case off
        /// The label image could not be opened: the labels go off with this message.
        case unopenable(String)
        case failed(String)
        case plane(PlaneLoader.PartialPlane, LabelLayer)
    }

    /// The image layers: assembled from resident chunks, or the reductions' screen pixels so far.
    public internal(set) var planes: [PlaneLoader.PartialPlane] = []
    /// A reduction's own auto contrast, per layer.
    public internal(set) var reducedLimits: [RenderSettings.Limits?] = []
    /// Chunks folded and in all while a plane is reduced.
    public internal(set) var reading: (done: Int, total: Int)?
    public internal(set) var filter = Filter.off
    public internal(set) var labels = Labels.off
    /// The probed pixel's level-0 value, once its chunk is resident.
    public internal(set) var probeValue: Double?
    /// Parts of the planes still loading (or drawn from a coarser level), and loads queued or running.
    public internal(set) var loading = 0
    public internal(set) var inFlight = 0
}
