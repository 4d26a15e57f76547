import Foundation

/// A real nginx (Debian's) serving a directory on a free loopback port, started and
/// stopped by the tests: the remote stores are checked against a server nobody here wrote.
public final class NginxServer: @unchecked Sendable {
    public let port: Int
    public let directory: String
    private let process: Process

    /// Starts nginx serving `root`; throws when nginx is missing or does not come up.
    public init(root: String) throws {
        directory =
            NSTemporaryDirectory()
            + "vstack-nginx-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory + "/logs", withIntermediateDirectories: true)
        port = try NginxServer.freePort()
        let user = getuid() == 0 ? "user root;\n" : ""
        let conf = """
            \(user)worker_processes 2;
            daemon off;
            pid \(directory)/nginx.pid;
            error_log \(directory)/logs/error.log;
            events { worker_connections 512; }
            http {
              log_format probe '$request_method $uri $status $bytes_sent "$http_range"';
              access_log \(directory)/logs/access.log probe;
              client_body_temp_path \(directory)/body; proxy_temp_path \(directory)/proxy;
              fastcgi_temp_path \(directory)/fcgi; uwsgi_temp_path \(directory)/uwsgi; scgi_temp_path \(directory)/scgi;
              keepalive_requests 10000;
              server { listen 127.0.0.1:\(port); root \(root); autoindex off; }
            }
            """
        try conf.write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
        guard
            let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else {
            throw NginxError("nginx is not installed (make test installs Debian's nginx)")
        }
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        let command =
            "\(nginx) -c \(directory)/nginx.conf -p \(directory) -e \(directory)/logs/error.log </dev/null & n=$!; trap 'kill $n; exit 0' TERM; while kill -0 $PPID 2>/dev/null && kill -0 $n 2>/dev/null; do sleep 0.3; done; kill $n"
        process.arguments = ["-c", command]
        // The shell stops nginx when the test process is gone, however it ended.
        // Not the test runner's pipes: `swift test` reads them until every holder has exited.
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<100 {
            if NginxServer.answers(port) { return }
            usleep(50_000)
        }
        stop()
        throw NginxError(
            "nginx did not start on port \(port): "
                + ((try? String(contentsOfFile: directory + "/logs/error.log", encoding: .utf8)) ?? ""))
    }

    deinit { stop() }

    public func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// (method, uri, status, range header) of every request so far.
    public func accessLog() -> [(method: String, uri: String, status: Int, range: String)] {
        let text = (try? String(contentsOfFile: directory + "/logs/access.log", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", maxSplits: 4).map(String.init)
            guard parts.count == 5, let status = Int(parts[2]) else { return nil }
            return (parts[0], parts[1], status, parts[4].trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
        }
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0
            }
        }
        guard ok else { throw NginxError("no free port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    static func answers(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

public struct NginxError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}
