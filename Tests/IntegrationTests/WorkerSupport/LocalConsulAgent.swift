import AsyncHTTPClient
import Foundation
import MeshTestSupport
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
import Glibc
#endif

/// A Consul 1.8.7 server of the test's own, on free loopback ports, that can be stopped and started
/// again with its data (a single-server cluster with a data directory, not `-dev`, whose state would
/// not survive a restart). ACLs as in `deploy/local/stack.sh`: default deny, a known master token.
final class LocalConsulAgent: @unchecked Sendable {
    // Safety: `process` is only touched from the one test task that owns the agent.
    let httpPort: Int
    let masterToken = UUID().uuidString.lowercased()
    let directory: URL
    private var process: Process?

    var address: String { "http://127.0.0.1:\(httpPort)" }
    var logURL: URL { directory.appendingPathComponent("consul.log") }

    static var binary: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".local/consul/usr/bin/consul").path
    }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mesh-consul-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("data"), withIntermediateDirectories: true)
        httpPort = try FreePort.next()
        let (server, serfLAN, serfWAN) = (try FreePort.next(), try FreePort.next(), try FreePort.next())
        let config = """
            node_name = "mesh-outage-test"
            datacenter = "dc1"
            server = true
            bootstrap_expect = 1
            bind_addr = "127.0.0.1"
            client_addr = "127.0.0.1"
            data_dir = "\(directory.appendingPathComponent("data").path)"
            log_level = "warn"
            ports {
              http = \(httpPort)
              https = -1
              dns = -1
              grpc = -1
              server = \(server)
              serf_lan = \(serfLAN)
              serf_wan = \(serfWAN)
            }
            performance { raft_multiplier = 1 }
            acl {
              enabled = true
              default_policy = "deny"
              enable_token_persistence = true
              tokens {
                master = "\(masterToken)"
                agent = "\(masterToken)"
              }
            }
            """
        try config.write(to: directory.appendingPathComponent("consul.hcl"), atomically: true, encoding: .utf8)
    }

    /// A new agent, started. Free ports are only free when asked: another process (a parallel
    /// test's server) may bind one before Consul does, and Consul then exits with "address already
    /// in use". That is retried on fresh ports; any other failure is thrown at once.
    static func started(attempts: Int = 3) async throws -> LocalConsulAgent {
        var attempt = 1
        while true {
            let agent = try LocalConsulAgent()
            do {
                try await agent.start()
                return agent
            } catch let failure as FixtureFailure where attempt < attempts
                        && failure.description.contains("address already in use") {
                agent.destroy()
                attempt += 1
            } catch {
                agent.destroy()
                throw error
            }
        }
    }

    /// Starts the agent and waits until it has a leader and accepts the master token.
    func start(timeout: Duration = .seconds(60)) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["agent", "-config-file=\(directory.appendingPathComponent("consul.hcl").path)"]
        if !FileManager.default.fileExists(atPath: logURL.path) {
            _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        }
        let log = try FileHandle(forWritingTo: logURL)
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        // An agent that exited stops the wait at once.
        let ready = await eventually(timeout: timeout, interval: .milliseconds(100)) {
            guard process.isRunning else { return true }
            return await isReady()
        }
        guard process.isRunning else { throw FixtureFailure("consul exited: \(logTail())") }
        guard ready else { throw FixtureFailure("consul not ready in \(timeout): \(logTail())") }
    }

    /// Stops the agent (SIGTERM, then SIGKILL after 10 s) and waits until it is gone.
    func stop() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGCONT)  // a paused agent must run to take SIGTERM
        process.terminate()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Consul loses its state: the agent stops, its data directory is emptied, and it starts again
    /// on the same ports with the same master token, knowing nothing (no tokens but the master and
    /// anonymous ones, no nodes, services or checks).
    func restartWithStateLost(timeout: Duration = .seconds(60)) async throws {
        stop()
        let data = directory.appendingPathComponent("data")
        try FileManager.default.removeItem(at: data)
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try await start(timeout: timeout)
    }

    /// Freezes the agent (SIGSTOP): its ports still accept connections, but nothing answers, as
    /// when a server hangs. ``resume()`` lets it go on.
    func pause() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGSTOP)
    }

    /// Lets a paused agent go on (SIGCONT).
    func resume() {
        guard let process else { return }
        kill(process.processIdentifier, SIGCONT)
    }

    /// Stops the agent and removes its files.
    func destroy() {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    private func isReady() async -> Bool {
        var request = HTTPClientRequest(url: "\(address)/v1/acl/token/self")
        request.headers.add(name: "X-Consul-Token", value: masterToken)
        guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(2)) else { return false }
        _ = try? await response.body.collect(upTo: 1 << 20)
        return response.status == .ok
    }

    private func logTail() -> String {
        guard let data = try? Data(contentsOf: logURL) else { return "" }
        return String(decoding: data.suffix(3000), as: UTF8.self)
    }

    deinit {
        if let process, process.isRunning {
            kill(process.processIdentifier, SIGCONT)
            kill(process.processIdentifier, SIGKILL)
        }
    }
}
