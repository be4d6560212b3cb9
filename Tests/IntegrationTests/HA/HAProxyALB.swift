import AsyncHTTPClient
import Foundation
import MeshTestSupport
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
import Glibc
#endif

/// haproxy (Debian's) in front of the replicas, as the ALB stands in front of the Fargate tasks:
/// the configuration `deploy/local/run.sh --ha` uses (`deploy/local/haproxy-alb.sh`: round robin,
/// a replica gets traffic only while its `/readyz` answers 200).
final class HAProxyALB: @unchecked Sendable {
    // Safety: every stored property is set in `start` and only read after.
    static let binary = "/usr/sbin/haproxy"

    let port: Int
    let directory: URL
    private let process: Process
    var url: String { "http://127.0.0.1:\(port)" }
    var logURL: URL { directory.appendingPathComponent("haproxy.log") }

    private init(port: Int, directory: URL, process: Process) {
        self.port = port
        self.directory = directory
        self.process = process
    }

    /// Writes the configuration for `replicaPorts`, starts haproxy in the foreground and waits until
    /// it forwards `/readyz` to a ready replica.
    static func start(replicaPorts: [Int], timeout: Duration = .seconds(60)) async throws -> HAProxyALB {
        let port = try FreePort.next()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mesh-alb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let config = try await Subprocess.run(
            ["bash", Repository.path("deploy/local/haproxy-alb.sh"), String(port)] + replicaPorts.map(String.init))
        guard config.status == 0 else { throw ProcessFailure("haproxy-alb.sh failed: \(config.stderrText)") }
        let configURL = directory.appendingPathComponent("haproxy.cfg")
        try config.stdout.write(to: configURL)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-f", configURL.path, "-db"]
        _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("haproxy.log").path, contents: nil)
        let log = try FileHandle(forWritingTo: directory.appendingPathComponent("haproxy.log"))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let alb = HAProxyALB(port: port, directory: directory, process: process)
        let forwarding = await eventually(timeout: timeout, interval: .milliseconds(100)) {
            if !process.isRunning { return true }
            return try await HTTPClient.shared.execute(HTTPClientRequest(url: alb.url + "/readyz"), timeout: .seconds(2)).status == .ok
        }
        guard process.isRunning, forwarding else {
            await alb.stop()
            throw ProcessFailure("haproxy did not forward to a ready replica in \(timeout): \(alb.logTail())")
        }
        return alb
    }

    func logTail(_ bytes: Int = 3000) -> String {
        guard let data = try? Data(contentsOf: logURL) else { return "" }
        return String(decoding: data.suffix(bytes), as: UTF8.self)
    }

    /// SIGTERM, and SIGKILL if haproxy has not exited within 10 s.
    func stop() async {
        await process.stop(grace: .seconds(10))
    }

    deinit {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
    }
}
