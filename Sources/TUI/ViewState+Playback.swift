/// Playback (`p`): the play axis steps at `fps` frames a second, driven by the viewer's loop.
extension ViewState {
    /// One step of playback along the play axis, wrapping at the end.
    public mutating func advancePlayback() {
        guard playing, isFree(playAxis) else { return }
        selection.indices[playAxis] = (selection.indices[playAxis] + 1) % shape[playAxis]
    }

    /// `p`: the next free axis to play along; the message says which.
    mutating func cyclePlayAxis() {
        let free = ViewState.freeAxes(selection, channelAxis: channelAxis)
        if let i = free.firstIndex(of: playAxis), free.count > 1 { playAxis = free[(i + 1) % free.count] }
        message = isFree(playAxis) ? "play along \(selection.axisNames[playAxis])" : "nothing to play along"
    }
}
