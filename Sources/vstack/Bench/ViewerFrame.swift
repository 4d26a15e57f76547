import Cache
import Foundation
import Formats
import Rendering

/// One frame drawn the way the viewer draws it, without a terminal: the zoom
/// picks the level, a plane too big to assemble is reduced chunk by chunk,
/// else the level's chunks are loaded through the loader (the coarsest level
/// first) and the frame is drawn from what is resident. For `bench plane` and `bench zoom`.
struct ViewerFrame {
    let loader: PlaneLoader
    let columns: Int, rows: Int
    var settings = RenderSettings()

    /// What showing a view started: the level, and either a load plan or a reduction.
    struct Shown {
        let level: LevelSelection
        let plan: LoadPlan?
        let reduction: PlaneReduction?
    }

    /// Chooses the level and starts what the frame needs (a reduction runs to the end here, on every core).
    func show(_ view: PlaneSelection) throws -> Shown {
        let level = LevelSelection(
            loader.pyramid, view: view, mode: settings.mode, columns: columns, rows: rows,
            aspect: settings.aspect)
        let lv = level.view
        let array = loader.levels[level.index].array
        let size = settings.mode.pixelSize(
            fitting: lv.columns.count, lv.rows.count, columns: columns, rows: rows,
            aspect: settings.aspect)
        if PlaneReduction.reduces(
            lv, dataType: array.metadata.dataType, width: size.width, height: size.height,
            cacheBudget: loader.cache.budget)
        {
            loader.execute(LoadPlan(level: level.index))
            let reduction = PlaneReduction(
                view: lv, dataType: array.metadata.dataType, width: size.width, height: size.height,
                mode: settings.downsample)
            try reduction.run(array, source: loader.levels[level.index].source, threads: System.coreCount)
            return Shown(level: level, plan: nil, reduction: reduction)
        }
        return Shown(level: level, plan: loader.show([view], level: level.index), reduction: nil)
    }

    /// The frame from what is resident now, and whether every part has data
    /// (`filled`: fine or coarse; `complete`: all at the chosen level).
    func frame(_ view: PlaneSelection, _ shown: Shown) throws -> (bytes: [UInt8], filled: Bool, complete: Bool) {
        var settings = settings
        let plane: ArrayBuffer
        let filled: Bool, complete: Bool
        if let reduction = shown.reduction {
            let (image, done) = reduction.image()
            plane = ArrayBuffer(float32: image.pixels, shape: [image.height, image.width])
            let c = reduction.autoContrast()
            settings.limits = settings.limits ?? RenderSettings.Limits(c.low, c.high)
            (filled, complete) = (done.allSatisfy { $0 }, done.allSatisfy { $0 })
        } else {
            let partial = try loader.residentPlane(view, level: shown.level.index, counting: false)
            plane = partial.plane
            (filled, complete) = (partial.missing.isEmpty && partial.failed.isEmpty, partial.isComplete)
        }
        let rendered = Renderer.render(plane, settings: settings, columns: columns, rows: rows)
        return (ANSIWriter.frameBytes(rendered.frame), filled, complete)
    }

    /// Waits until the frame of `view` is complete (every chunk of its level resident) or filled
    /// (the coarsest level's chunks resident: they cover the view); the seconds it took, nil on timeout.
    func wait(_ shown: Shown, complete: Bool, timeout: Double = 60) throws -> Double? {
        guard let plan = shown.plan else { return 0 }  // a reduction has run to its end
        let t0 = Clock.now()
        let keys = complete || plan.coarse.isEmpty ? plan.visible : plan.coarse
        guard loader.waitUntilLoaded(keys, timeout: timeout) else { return nil }
        if let key = keys.first(where: { loader.failure($0) != nil }) {
            throw RuntimeFailure(loader.failure(key) ?? "a chunk failed")
        }
        return Clock.now() - t0
    }

    /// The plane the frame draws (resident data, or the reduction's screen pixels).
    func plane(_ view: PlaneSelection, _ shown: Shown) throws -> ArrayBuffer {
        if let reduction = shown.reduction {
            let image = reduction.image().image
            return ArrayBuffer(float32: image.pixels, shape: [image.height, image.width])
        }
        return try loader.residentPlane(view, level: shown.level.index, counting: false).plane
    }
}
