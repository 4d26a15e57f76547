import Threads
import Foundation
import Testing
@testable import Stores

/// The HTTP client against sockets on loopback that misbehave on purpose.
@Suite struct HTTPClientTests {
    /// A listening socket that accepts connections and never answers.
    final class SilentServer: @unchecked Sendable {
        let fd: Int32
        let port: Int
        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            self.fd = fd
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let ok = withUnsafeMutablePointer(to: &addr) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, len) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &len) == 0
                }
            }
            guard ok else { throw StoreError.cannotOpen(path: "loopback", reason: "bind failed") }
            port = Int(UInt16(bigEndian: addr.sin_port))
        }
        deinit { close(fd) }
    }

    /// A transfer whose load is cancelled stops within a fraction of a second,
    /// not at the stall timeout, and is not retried.
    @Test func cancelledTransferStopsAtOnce() throws {
        let server = try SilentServer()
        var options = RemoteOptions()
        (options.timeout, options.retries) = (20, 2)
        let client = HTTPClient(options: options)
        let token = JobToken()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { token.cancel() }
        let start = Date()
        let error = #expect(throws: StoreError.self) {
            _ = try client.send(.get, "http://127.0.0.1:\(server.port)/x", cancelled: { token.isCancelled })
        }
        #expect(Date().timeIntervalSince(start) < 3)
        #expect(error == .cancelled(url: "http://127.0.0.1:\(server.port)/x"))
        #expect(client.statistics.snapshot.retries == 0)
    }

    /// Without an answer, a request fails after the stall timeout, once per try.
    @Test func silentServerTimesOutAfterEachTry() throws {
        let server = try SilentServer()
        var options = RemoteOptions()
        (options.timeout, options.retries) = (1, 1)
        let client = HTTPClient(options: options)
        let start = Date()
        let error = #expect(throws: StoreError.self) { _ = try client.send(.get, "http://127.0.0.1:\(server.port)/x") }
        let elapsed = Date().timeIntervalSince(start)
        #expect(elapsed >= 2 && elapsed < 6, "\(elapsed) s")
        #expect("\(error.map { "\($0)" } ?? "")".contains("timed out"))
        #expect(client.statistics.snapshot.retries == 1)
    }

    @Test func backoffDoublesAndIsCapped() {
        #expect((1...6).map(RemoteOptions.backoff(afterAttempt:)) == [0.2, 0.4, 0.8, 1.6, 2, 2])
    }

    @Test func keysArePercentEncodedAndCannotLeaveTheBase() {
        let store = HTTPStore(base: "http://h/a.zarr/", client: HTTPClient(options: RemoteOptions()))
        #expect(store.url(for: "c/0/1") == "http://h/a.zarr/c/0/1")
        #expect(store.url(for: "my key/é+") == "http://h/a.zarr/my%20key/%C3%A9%2B")
        #expect(store.url(for: "../x") == nil && store.url(for: "/x") == nil)
    }
}
