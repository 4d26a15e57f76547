/// How data pixels become screen pixels (SPEC §1 `--downsample`).
public enum DownsampleMode: String, Sendable, CaseIterable {
    /// Area average over the block of source pixels behind each screen pixel.
    case mean
    /// Maximum over the same blocks: sparse bright spots stay visible.
    case max
    /// One sample (the block's first pixel): fastest.
    case nearest
}
