import CCurl
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// GET and HEAD over libcurl, for the remote stores. Blocking: each call runs
/// on the caller's thread (a loader's fetch worker), so as many requests are
/// in flight as threads call in. Handles are pooled and reused, so their
/// connections stay open (keep-alive) from one request to the next.
///
/// - Only GET and HEAD are ever sent; redirects are followed (at most 5, http(s) only).
/// - A transfer fails when connecting takes longer than `timeout`, or when no
///   byte arrives for `timeout` seconds; such failures, resets, cut bodies and
///   5xx/429 answers are retried `retries` times with capped exponential backoff.
/// - `http_proxy`, `https_proxy`, `no_proxy` (libcurl reads them) and `~/.netrc` are honoured;
///   TLS certificates are verified unless `insecure`, against the CA file `CertificateTrust` finds.
public final class HTTPClient: Sendable {
    public enum Method: String, Sendable { case get = "GET", head = "HEAD" }

    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]
        /// Header names in lower case; the last block's (after redirects).
        public var headers: [String: String]
    }

    public let options: RemoteOptions
    public let statistics = RemoteStatistics()
    /// Metadata documents fetched so far, by URL.
    let memo = MetadataMemo()
    /// Close range reads of one value sent as one request.
    let coalescer = RangeCoalescer()
    /// Range reads that rode on a neighbour's request instead of sending their own.
    public var coalescedReads: Int { coalescer.savedRequests }
    private let pool = Mutex<[EasyHandle]>([])

    /// A curl easy handle; used by one thread at a time (taken from and returned to the pool).
    /// Thread contract: one thread at a time, taken from and returned to `pool`.
    struct EasyHandle: @unchecked Sendable { let pointer: UnsafeMutableRawPointer }

    private static let globalInit: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    public init(options: RemoteOptions) {
        _ = HTTPClient.globalInit
        self.options = options
    }

    deinit {
        for h in pool.withLock({ $0 }) { curl_easy_cleanup(h.pointer) }
    }

    /// The client every remote store shares (one connection pool, one set of statistics),
    /// made with `RemoteOptions.current` at first use.
    public static var shared: HTTPClient {
        sharedClient.withLock { client in
            if let c = client, c.options == RemoteOptions.current { return c }
            let c = HTTPClient(options: RemoteOptions.current)
            client = c
            return c
        }
    }
    private static let sharedClient = Mutex<HTTPClient?>(nil)

    /// The shared client if one was made (for statistics), without making one.
    public static var existing: HTTPClient? { sharedClient.withLock { $0 } }

    /// Sends the request, retrying transient failures. An answer with any status is
    /// returned (the caller decides what 404 or 403 means) except 5xx/429, which are
    /// retried and then thrown. `limit` caps the body; a longer one is an error.
    public func send(
        _ method: Method, _ url: String, headers: [String] = [], limit: Int? = nil,
        cancelled: (@Sendable () -> Bool)? = nil
    ) throws -> Response {
        let tries = 1 + max(0, options.retries)
        let start = ContinuousClock.now
        // Another try only if it can start before the deadline (the backoff included).
        func mayRetry(_ attempt: Int) -> Bool {
            attempt < tries
                && start.duration(to: .now) + .seconds(RemoteOptions.backoff(afterAttempt: attempt))
                    < .seconds(options.deadline)
        }
        var attempt = 0
        while true {
            attempt += 1
            let outcome = perform(method, url, headers: headers, limit: limit, cancelled: cancelled)
            switch outcome {
            case .answer(let response) where response.status >= 500 || response.status == 429:
                if mayRetry(attempt) { break }
                statistics.failed()
                throw StoreError.httpStatus(url: url, status: response.status, tries: attempt)
            case .answer(let response):
                return response
            case .failure(let error, let retryable):
                if retryable && mayRetry(attempt) { break }
                statistics.failed()
                if case .transferFailed(let u, let reason, _) = error {
                    throw StoreError.transferFailed(url: u, reason: reason, tries: attempt)
                }
                throw error
            }
            statistics.retried()
            usleep(useconds_t(RemoteOptions.backoff(afterAttempt: attempt) * 1e6))
        }
    }

    private enum Outcome {
        case answer(Response)
        case failure(StoreError, retryable: Bool)
    }

    /// What the callbacks collect during one transfer.
    private final class Transfer {
        var body: [UInt8] = []
        var headers: [String: String] = [:]
        let limit: Int
        var overLimit = false
        let cancelled: (@Sendable () -> Bool)?
        var wasCancelled = false
        init(limit: Int, cancelled: (@Sendable () -> Bool)?) { (self.limit, self.cancelled) = (limit, cancelled) }
    }

    private func take() -> EasyHandle? {
        if let h = pool.withLock({ $0.popLast() }) {
            curl_easy_reset(h.pointer)  // keeps the handle's open connections and DNS cache
            return h
        }
        return curl_easy_init().map(EasyHandle.init)
    }

    private func giveBack(_ h: EasyHandle) {
        let kept = pool.withLock { pool -> Bool in
            guard pool.count < 256 else { return false }
            pool.append(h)
            return true
        }
        if !kept { curl_easy_cleanup(h.pointer) }
    }

    private func perform(
        _ method: Method, _ url: String, headers: [String], limit: Int?,
        cancelled: (@Sendable () -> Bool)?
    ) -> Outcome {
        guard let handle = take() else {
            return .failure(
                .transferFailed(url: url, reason: "cannot start a request (libcurl)", tries: 1), retryable: false)
        }
        var keep = true
        defer { if keep { giveBack(handle) } else { curl_easy_cleanup(handle.pointer) } }
        let c = handle.pointer
        let transfer = Transfer(limit: limit ?? Int.max, cancelled: cancelled)
        let box = Unmanaged.passRetained(transfer)
        defer { box.release() }
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for h in headers + ["Accept-Encoding:", "Expect:"] { list = curl_slist_append(list, h) }
        defer { curl_slist_free_all(list) }

        let timeoutMs = max(1, Int(options.timeout * 1000))
        _ = vstack_curl_set_string(c, CURLOPT_URL, url)
        _ = vstack_curl_set_long(c, CURLOPT_NOSIGNAL, 1)
        _ = vstack_curl_set_string(c, CURLOPT_PROTOCOLS_STR, "http,https")
        _ = vstack_curl_set_string(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        _ = vstack_curl_set_long(c, CURLOPT_FOLLOWLOCATION, 1)
        _ = vstack_curl_set_long(c, CURLOPT_MAXREDIRS, 5)
        _ = vstack_curl_set_long(c, CURLOPT_CONNECTTIMEOUT_MS, timeoutMs)
        _ = vstack_curl_set_long(c, CURLOPT_LOW_SPEED_LIMIT, 1)
        _ = vstack_curl_set_long(c, CURLOPT_LOW_SPEED_TIME, max(1, Int(options.timeout.rounded(.up))))
        _ = vstack_curl_set_long(c, CURLOPT_NETRC, Int(CURL_NETRC_OPTIONAL.rawValue))
        _ = vstack_curl_set_string(c, CURLOPT_USERAGENT, "vstack")
        if options.insecure {
            _ = vstack_curl_set_long(c, CURLOPT_SSL_VERIFYPEER, 0)
            _ = vstack_curl_set_long(c, CURLOPT_SSL_VERIFYHOST, 0)
        } else {
            let trust = CertificateTrust.current
            if let file = trust.file { _ = vstack_curl_set_string(c, CURLOPT_CAINFO, file) }
            if let directory = trust.directory { _ = vstack_curl_set_string(c, CURLOPT_CAPATH, directory) }
        }
        if method == .head {
            _ = vstack_curl_set_long(c, CURLOPT_NOBODY, 1)
        } else {
            _ = vstack_curl_set_long(c, CURLOPT_HTTPGET, 1)
        }
        _ = vstack_curl_set_slist(c, CURLOPT_HTTPHEADER, list)
        _ = vstack_curl_set_pointer(c, CURLOPT_WRITEDATA, box.toOpaque())
        _ = vstack_curl_set_pointer(c, CURLOPT_HEADERDATA, box.toOpaque())
        _ = vstack_curl_set_write(c) { data, size, count, user in
            let t = Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue()
            let n = size * count
            guard t.body.count <= t.limit - n else {
                t.overLimit = true
                return 0
            }
            if n > 0, let data { t.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: n)) }
            return n
        }
        _ = vstack_curl_set_header(c) { data, size, count, user in
            let t = Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue()
            let n = size * count
            guard let data else { return n }
            let line = String(decoding: UnsafeRawBufferPointer(start: data, count: n), as: UTF8.self)
            if line.hasPrefix("HTTP/") {
                t.headers = [:]
                return n
            }  // a new block (after a redirect or 100)
            if let colon = line.firstIndex(of: ":") {
                let name = line[..<colon].lowercased()
                let value = String(
                    line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }.reversed().drop {
                        $0.isWhitespace
                    }.reversed())
                t.headers[name] = value
            }
            return n
        }
        if cancelled != nil {
            _ = vstack_curl_set_long(c, CURLOPT_NOPROGRESS, 0)
            _ = vstack_curl_set_pointer(c, CURLOPT_XFERINFODATA, box.toOpaque())
            _ = vstack_curl_set_progress(c) { user, _, _, _, _ in
                let t = Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue()
                if t.cancelled?() == true {
                    t.wasCancelled = true
                    return 1
                }
                return 0
            }
        }

        statistics.started()
        let start = HTTPClient.now()
        let code = curl_easy_perform(c)
        let seconds = HTTPClient.now() - start
        statistics.finished()

        if code != CURLE_OK {
            keep = false  // a failed connection is not reused
            if transfer.wasCancelled { return .failure(.cancelled(url: url), retryable: false) }
            if transfer.overLimit {
                return .failure(
                    .tooLarge(what: url, size: transfer.body.count, limit: "\(transfer.limit) bytes"), retryable: false)
            }
            return .failure(
                .transferFailed(url: url, reason: HTTPClient.describe(code, timeout: options.timeout), tries: 1),
                retryable: HTTPClient.isTransient(code))
        }
        var status = 0
        _ = vstack_curl_get_long(c, CURLINFO_RESPONSE_CODE, &status)
        statistics.record(seconds: seconds, bytes: transfer.body.count)
        // A body shorter than its Content-Length on a connection that stays open is caught by
        // curl only when the connection closes; check it here too (not for HEAD).
        if method == .get, let length = transfer.headers["content-length"].flatMap(Int.init),
            transfer.headers["content-encoding"] == nil, length != transfer.body.count
        {
            keep = false
            return .failure(
                .transferFailed(
                    url: url, reason: "the body has \(transfer.body.count) bytes, Content-Length says \(length)",
                    tries: 1),
                retryable: true)
        }
        return .answer(Response(status: status, body: transfer.body, headers: transfer.headers))
    }

    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    /// Failures worth another try: the server or the path may recover.
    static func isTransient(_ code: CURLcode) -> Bool {
        [
            CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING,
            CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_COULDNT_RESOLVE_HOST,
        ].contains(code)
    }

    /// A one-line reason in vstack's words.
    static func describe(_ code: CURLcode, timeout: Double) -> String {
        let seconds = timeout == timeout.rounded() ? "\(Int(timeout)) s" : "\(timeout) s"
        switch code {
        case CURLE_OPERATION_TIMEDOUT: return "timed out (no answer within \(seconds); --timeout sets it)"
        case CURLE_COULDNT_CONNECT: return "cannot connect (connection refused or unreachable)"
        case CURLE_COULDNT_RESOLVE_HOST: return "cannot resolve the host name"
        case CURLE_COULDNT_RESOLVE_PROXY: return "cannot resolve the proxy's host name"
        case CURLE_PARTIAL_FILE: return "the connection closed before the whole body arrived"
        case CURLE_GOT_NOTHING: return "the server closed the connection without an answer"
        case CURLE_RECV_ERROR: return "the connection was reset while receiving"
        case CURLE_SEND_ERROR: return "the connection was reset while sending"
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE:
            return CertificateTrust.current.verificationFailure
        case CURLE_SSL_CONNECT_ERROR: return "TLS handshake failed"
        case CURLE_TOO_MANY_REDIRECTS: return "too many redirects"
        case CURLE_UNSUPPORTED_PROTOCOL: return "unsupported protocol (only http and https)"
        default: return String(cString: curl_easy_strerror(code)).lowercased()
        }
    }
}
