import Stores

extension Dataset {
    /// The label image `spec` names for `image`: one of the image's OME-Zarr label
    /// images by name (`--labels cells`), else any dataset path (an integer Zarr or
    /// TIFF array, an OME-Zarr label image or pyramid).
    public static func openLabels(_ spec: String, for image: LazyArray) throws -> LazyArray {
        let names = image.metadata.labelImages
        if names.contains(spec), let synthetic = image as? SyntheticArray, let labels = synthetic.labelImage(spec) {
            return labels
        }
        if names.contains(spec) {
            return try open(joinPath(image.metadata.location, "labels/" + spec))
        }
        if !names.isEmpty && !spec.contains("/") && LocalStore.unreachableReason(spec) != nil {
            throw DatasetError(
                spec,
                "no such label image (\(image.metadata.location) has \(names.joined(separator: ", "))) and no such file"
            )
        }
        return try open(spec)
    }

    /// The path of an image's label image `name` (for messages and `info`).
    public static func labelPath(_ name: String, of image: LazyArray) -> String {
        joinPath(image.metadata.location, "labels/" + name)
    }
}
