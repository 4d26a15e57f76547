import Glibc

/// The thread a UI-thread type was made on, checked on each entry in debug builds (and tests):
/// a frame planned, requested or written from a worker fails at once instead of racing.
struct ThreadOwner {
    private let thread = pthread_self()

    /// Traps in debug builds when called from another thread than the one that made `self`.
    func check(_ what: StaticString = #function) {
        assert(pthread_equal(thread, pthread_self()) != 0, "\(what) is for the thread that made it (the UI thread)")
    }
}
