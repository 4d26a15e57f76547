import Foundation

/// The `multiscales[0]` and `omero` metadata of an OME-NGFF image (0.1–0.5),
/// parsed and checked; no array is opened here.
struct OMEMultiscales {
    struct Dataset {
        let path: String
        /// Combined with the multiscale-wide transformations (nil: none recorded).
        let scale: [Double]?
        let translation: [Double]?
    }

    let version: String
    let name: String?
    /// Axis names, types and units (NGFF ≥ 0.3; nil before: the default `tczyx`).
    let axisNames: [String]?
    let axisTypes: [String?]?
    let units: [String?]?
    let datasets: [Dataset]
    let channels: [ChannelInfo]?

    /// - Parameter file: the metadata file, for messages (`.zattrs`, `zarr.json`).
    init(_ ome: [String: Any], file: String) throws {
        guard let all = ome["multiscales"] as? [Any], let first = all.first as? [String: Any] else {
            throw FormatError.invalidMetadata(file: file, problem: "'multiscales' must be a non-empty list")
        }
        version = (first["version"] as? String) ?? (ome["version"] as? String) ?? "?"
        name = first["name"] as? String
        if let axes = first["axes"] as? [Any] {
            var names: [String] = [], types: [String?] = [], units: [String?] = []
            for axis in axes {
                if let s = axis as? String {  // 0.3: a list of names
                    names.append(s)
                    types.append(nil)
                    units.append(nil)
                } else if let o = axis as? [String: Any], let n = o["name"] as? String {
                    names.append(n)
                    types.append(o["type"] as? String)
                    units.append(o["unit"] as? String)
                } else {
                    throw FormatError.invalidMetadata(
                        file: file, problem: "multiscales[0].axes: each axis must be a name or an object with a 'name'")
                }
            }
            guard Set(names).count == names.count else {
                throw FormatError.invalidMetadata(file: file, problem: "multiscales[0].axes repeats a name")
            }
            (axisNames, axisTypes, self.units) = (names, types, units)
        } else {
            (axisNames, axisTypes, units) = (nil, nil, nil)
        }
        let global = try OMEMultiscales.transforms(
            first["coordinateTransformations"], file: file, what: "multiscales[0]")
        guard let list = first["datasets"] as? [Any], !list.isEmpty else {
            throw FormatError.invalidMetadata(file: file, problem: "multiscales[0].datasets must be a non-empty list")
        }
        datasets = try list.enumerated().map { i, item in
            guard let d = item as? [String: Any], let path = d["path"] as? String, !path.isEmpty else {
                throw FormatError.invalidMetadata(file: file, problem: "multiscales[0].datasets[\(i)] has no 'path'")
            }
            let own = try OMEMultiscales.transforms(d["coordinateTransformations"], file: file, what: "datasets[\(i)]")
            // Physical = global ∘ own: scale multiplies; translation is own.t·global.s + global.t.
            var scale = own.scale, translation = own.translation
            if let gs = global.scale {
                scale = scale.map { zip($0, gs).map(*) } ?? gs
                translation = translation.map { zip($0, gs).map(*) }
            }
            if let gt = global.translation { translation = translation.map { zip($0, gt).map(+) } ?? gt }
            return Dataset(path: path, scale: scale, translation: translation)
        }
        channels = OMEMultiscales.channels(ome["omero"])
    }

    /// The `scale` and `translation` of a list of coordinate transformations.
    private static func transforms(
        _ value: Any?, file: String, what: String
    ) throws -> (scale: [Double]?, translation: [Double]?) {
        guard let list = value as? [Any] else { return (nil, nil) }
        var scale: [Double]?, translation: [Double]?
        for item in list {
            guard let t = item as? [String: Any], let type = t["type"] as? String else { continue }
            func numbers(_ key: String) throws -> [Double] {
                guard let a = t[key] as? [Any] else {
                    throw FormatError.invalidMetadata(
                        file: file,
                        problem:
                            "\(what).coordinateTransformations: '\(type)' has no '\(key)' list (a 'path' to a file is not read)"
                    )
                }
                // Physical steps and origins within 1e-30...1e30 in magnitude (any unit): beyond that a
                // product or ratio of them (aspect, level factors, JSON output) is no longer finite.
                return try a.map {
                    guard let n = $0 as? NSNumber, n.doubleValue.isFinite, abs(n.doubleValue) <= 1e30 else {
                        throw FormatError.invalidMetadata(
                            file: file,
                            problem: "\(what).coordinateTransformations: '\(key)' must be finite numbers within ±1e30")
                    }
                    return n.doubleValue
                }
            }
            switch type {
            case "scale":
                let s = try numbers("scale")
                guard s.allSatisfy({ $0 >= 1e-30 }) else {
                    throw FormatError.invalidMetadata(
                        file: file, problem: "\(what): every scale must be ≥ 1e-30 (and > 0), found \(s)")
                }
                scale = s
            case "translation": translation = try numbers("translation")
            default: continue  // identity
            }
        }
        return (scale, translation)
    }

    /// `omero.channels`: label, color, window start/end, active.
    private static func channels(_ value: Any?) -> [ChannelInfo]? {
        guard let omero = value as? [String: Any], let list = omero["channels"] as? [Any], !list.isEmpty else {
            return nil
        }
        return list.map { item in
            let c = item as? [String: Any] ?? [:]
            var window: (Double, Double)?
            if let w = c["window"] as? [String: Any], let s = (w["start"] as? NSNumber)?.doubleValue,
                let e = (w["end"] as? NSNumber)?.doubleValue, s.isFinite, e.isFinite, s < e
            {
                window = (s, e)
            }
            return ChannelInfo(
                label: c["label"] as? String, color: c["color"] as? String, window: window,
                active: (c["active"] as? Bool) ?? true)
        }
    }

    /// A level's physical steps with their units (none on channel axes).
    /// None when the scale does not have one value an axis (OMEZarrImage then refuses it against the rank).
    func scales(of d: Dataset) -> [AxisScale?]? {
        guard let s = d.scale, s.count == axisTypes?.count ?? s.count else { return nil }
        return s.enumerated().map { i, v in axisTypes?[i] == "channel" ? nil : AxisScale(step: v, unit: units?[i]) }
    }
}
