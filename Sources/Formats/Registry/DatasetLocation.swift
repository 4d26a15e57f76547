import ArrayModel
import Stores

/// A location as the format drivers see it: the text given and what is there (a scheme such as
/// `demo:`, a URL, a local file or directory, or nothing), found once by `Dataset.open`.
/// Thread contract: made and used on the thread that calls `Dataset.open` (the store is made once, lazily).
public final class DatasetLocation {
    public enum Place: Equatable, Sendable {
        /// `demo:`, `synthetic:`: a scheme vstack answers itself.
        case scheme
        /// `http(s)://`, `s3://`: `base` without a trailing slash, `name` its last component.
        case remote(base: String, name: String)
        /// Nothing can be looked at there; `reason` says why (`no such file or directory`).
        case missing(reason: String)
        case file
        case directory
    }

    /// The location as given.
    public let text: String
    public let place: Place
    private var madeStore: Store?

    public init(_ text: String) {
        self.text = text
        if text.hasPrefix(Dataset.syntheticScheme) || text.hasPrefix("synthetic:") {
            place = .scheme
        } else if RemoteLocation.isRemote(text) {
            let base = text.hasSuffix("/") ? String(text.dropLast()) : text
            place = .remote(base: base, name: base.split(separator: "/").last.map(String.init) ?? base)
        } else if let reason = LocalStore.unreachableReason(text) {
            place = .missing(reason: reason)
        } else {
            place = LocalStore.isDirectory(text) ? .directory : .file
        }
    }

    public var isRemote: Bool { if case .remote = place { true } else { false } }
    public var isFile: Bool { place == .file }
    public var isDirectory: Bool { place == .directory }

    /// Where the dataset is named in its arrays' metadata: a URL without its trailing slash, a
    /// local path as given.
    public var base: String { if case .remote(let base, _) = place { base } else { text } }

    /// What suffix checks (`.xml`, `.npy`) look at: a URL's last component, a local path whole.
    public var name: String {
        if case .remote(_, let name) = place { return name }
        return text
    }

    /// The local file's first `count` bytes (fewer when it is shorter).
    public func head(_ count: Int) throws -> [UInt8] { try LocalStore.readPrefix(text, count: count) }

    /// The store holding the dataset (a directory, a URL's base), made once.
    public func store() throws -> Store {
        if let madeStore { return madeStore }
        let store = try StoreLocation.open(base)
        madeStore = store
        return store
    }
}
