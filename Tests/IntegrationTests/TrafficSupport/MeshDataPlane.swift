import Consul
import Foundation
import MeshModel
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The data plane of the traffic test, as child processes: one small HTTP app per task (it answers
/// every GET with its instance name) and Consul 1.8.7's built-in Connect proxy as each task's
/// sidecar (`consul connect proxy`, Envoy being unavailable here).
///
/// Each task has its own loopback address (127.x.y.z) in place of its ENI: "127.0.0.1 inside the
/// task" (a proxy's `LocalServiceAddress`, an upstream's local bind address) is that address, as
/// each ECS task has its own network namespace.
final class MeshDataPlane: Sendable {
    private let processes = Mutex<[String: Process]>([:])
    private let directory: URL
    let consulAddress: String

    init(consulAddress: String) throws {
        self.consulAddress = consulAddress
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mesh-traffic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// A loopback block of the test's own: `127.<a>.<b>.<n>`.
    static func loopbackBlock() -> (Int, Int) { (Int.random(in: 100...250), Int.random(in: 1...250)) }

    /// Starts the app of a task: a threading HTTP server on `ip:port` answering `name`.
    func startApp(name: String, ip: String, port: Int) throws {
        let script = """
            import http.server, sys
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    body = sys.argv[1].encode()
                    self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
                    self.wfile.write(body)
                def log_message(self, *args): pass
            http.server.ThreadingHTTPServer((sys.argv[2], int(sys.argv[3])), H).serve_forever()
            """
        try start("app-\(name)", "/usr/bin/env", ["python3", "-c", script, name, ip, String(port)])
    }

    /// Starts the sidecar of a task from its proxy registration (what the controller wrote), with
    /// the service's token: a public listener when the service has a port, one listener per upstream.
    func startSidecar(id: String, registration: CatalogService, taskIP: String, token: String) throws {
        guard let proxy = registration.proxy else { throw DataPlaneFailure("\(registration.id) has no Proxy block") }
        var arguments = ["connect", "proxy", "-http-addr", consulAddress, "-token", token,
                         "-service", proxy.destinationServiceName, "-log-level", "warn"]
        if proxy.localServicePort > 0 {
            let local = proxy.localServiceAddress == "127.0.0.1" ? taskIP : proxy.localServiceAddress
            arguments += ["-listen", "\(registration.address):\(registration.port)",
                          "-service-addr", "\(local):\(proxy.localServicePort)"]
        }
        for upstream in proxy.upstreams {
            arguments += ["-upstream", "\(upstream.destinationName):\(taskIP):\(upstream.localBindPort)"]
        }
        try start("proxy-\(id)", LocalConsulAgent.binary, arguments)
    }

    /// Stops the processes whose name starts with `prefix` (all when empty).
    func stop(prefix: String = "") {
        let stopping = processes.withLock { all -> [Process] in
            let names = all.keys.filter { $0.hasPrefix(prefix) }
            return names.compactMap { all.removeValue(forKey: $0) }
        }
        // SIGKILL: a child inherits the test process's signal mask, in which SIGTERM may be blocked.
        for process in stopping where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for process in stopping { process.waitUntilExit() }
    }

    /// The last lines a process wrote, for failure messages.
    func log(_ name: String) -> String {
        let text = (try? String(contentsOf: directory.appendingPathComponent("\(name).log"), encoding: .utf8)) ?? ""
        return String(text.suffix(1500))
    }

    func removeFiles() {
        try? FileManager.default.removeItem(at: directory)
    }

    private func start(_ name: String, _ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let logURL = directory.appendingPathComponent("\(name).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        processes.withLock { $0[name] = process }
    }
}

struct DataPlaneFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
