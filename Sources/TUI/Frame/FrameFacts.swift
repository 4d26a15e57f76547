import ArrayModel
import Rendering

/// What a composed frame drew, kept by the viewer for the next key and the info panel: where the
/// picture lies on screen (clicks, drags, the probe), its plane and contrast (histogram, limits
/// keys), and what the state should learn from it (the auto limits the `,` `.` keys adjust from).
struct FrameFacts {
    var mapping: CellMapping?
    /// The drawn plane (the level's, a reduction's screen pixels, or a filtered plane) and its contrast.
    var plane: ArrayBuffer?
    var contrast: Contrast?
    /// The frame showed a filter's mask (drawn 0 → black, 1 → white whatever the limits).
    var mask = false
    /// The label ids at screen resolution and the label image's name, when labels show.
    var labels: LabelImage?
    var labelName: String?
    /// The auto contrast of a data frame (nil for a mask or with fixed limits): the base of `,` `.` `;` `'`.
    var autoLimits: RenderSettings.Limits?
    /// The range an integer type holds (nil for filter results and floats).
    var valueRange: ClosedRange<Double>?
    /// The label image could not be opened: the viewer turns labels off and shows this.
    var unopenableLabels: String?
}
