public import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The real `ecs-mesh-controller` executable, started as a child process on free loopback ports.
///
/// Only available when the test command exported `MESH_CONTROLLER_BIN` (the README's test command
/// does, after building); a bare `swift test` skips the tests that need it.
public final class ControllerProcess: @unchecked Sendable {
    // Safety: `process` is created in `start()` and then only read; tests drive one instance from one task.
    public static var binaryPath: String? { ProcessInfo.processInfo.environment["MESH_CONTROLLER_BIN"] }
    public static var isAvailable: Bool { binaryPath.map { FileManager.default.isExecutableFile(atPath: $0) } ?? false }

    public static let apiKey = "integration-webhook-key-0123456789"

    public let directory: URL
    public let publicPort: Int
    public let adminPort: Int
    public let extraEnvironment: [String: String]
    public private(set) var process: Process?
    public let logURL: URL

    public var journalPath: String { directory.appendingPathComponent("journal.sqlite").path }
    public var baseURL: String { "http://127.0.0.1:\(publicPort)" }
    public var adminURL: String { "http://127.0.0.1:\(adminPort)" }

    public init(directory: URL? = nil, extraEnvironment: [String: String] = [:]) throws {
        let directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("mesh-it-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        self.publicPort = try FreePort.next()
        self.adminPort = try FreePort.next()
        self.extraEnvironment = extraEnvironment
        self.logURL = directory.appendingPathComponent("controller.log")
    }

    /// Starts the executable and waits until `/healthz` answers (or it exits). After a SIGKILL the
    /// start verifies and recovers the journal first, which a loaded machine slows down, so the wait
    /// is long (only a failing start waits it out).
    public func start(timeout: Duration = .seconds(60)) async throws {
        guard let binary = Self.binaryPath else { throw ProcessFailure("MESH_CONTROLLER_BIN is not set") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve"]
        var environment = ProcessInfo.processInfo.environment
        environment["MESH_SERVER_PUBLIC_PORT"] = String(publicPort)
        environment["MESH_SERVER_ADMIN_PORT"] = String(adminPort)
        environment["MESH_WEBHOOK_API_KEY"] = Self.apiKey
        environment["MESH_JOURNAL_PATH"] = journalPath
        environment["MESH_LOG_LEVEL"] = environment["MESH_LOG_LEVEL"] ?? "info"
        environment.merge(extraEnvironment) { _, new in new }
        process.environment = environment
        if !FileManager.default.fileExists(atPath: logURL.path) {
            _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        }
        let log = try FileHandle(forWritingTo: logURL)
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        try await waitUntilHealthy(timeout: timeout)
    }

    public func waitUntilHealthy(timeout: Duration) async throws {
        let healthy = await eventually(timeout: timeout, interval: .milliseconds(50)) {
            if let process, !process.isRunning { return true }
            // A deadline on each probe: without one, HTTPClient retries a refused connection for a
            // long time, and a process that exits at start went unnoticed for 90 s.
            return try await status(of: "/healthz", timeout: .seconds(2)) == 200
        }
        if let process, !process.isRunning {
            throw ProcessFailure("controller exited with \(process.terminationStatus): \(logTail())")
        }
        guard healthy else { throw ProcessFailure("controller did not become healthy in \(timeout): \(logTail())") }
    }

    /// SIGKILL: the crash the journal must survive.
    public func kill() {
        guard let process else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGSTOP: the process freezes (a long pause, a stuck host) without exiting; ``resume()`` thaws it.
    public func pause() {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGSTOP)
    }

    /// SIGCONT: a paused process runs on from where it stopped.
    public func resume() {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGCONT)
    }

    /// The log's size in bytes now: pass it to ``log(since:)`` to read only what came after.
    public var logSize: Int {
        ((try? FileManager.default.attributesOfItem(atPath: logURL.path)[.size]) as? NSNumber)?.intValue ?? 0
    }

    /// The log from byte `offset` on (``logSize`` at an earlier moment).
    public func log(since offset: Int) -> String {
        guard let data = try? Data(contentsOf: logURL), data.count >= offset else { return "" }
        return String(decoding: data.dropFirst(offset), as: UTF8.self)
    }

    /// SIGTERM and wait: the graceful path; returns the exit status.
    @discardableResult
    public func terminate() -> Int32 {
        guard let process, process.isRunning else { return process?.terminationStatus ?? 0 }
        process.terminate()
        Glibc.kill(process.processIdentifier, SIGCONT)  // a paused process handles SIGTERM once it runs
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// SIGTERM (and SIGCONT, for a paused process), then SIGKILL if it has not exited within
    /// `grace`: the cleanup that ends however the process behaves. Returns the exit status.
    @discardableResult
    public func stop(grace: Duration = .seconds(30)) async -> Int32 {
        guard let process else { return 0 }
        return await process.stop(grace: grace)
    }

    public func logTail(_ bytes: Int = 4000) -> String {
        guard let data = try? Data(contentsOf: logURL) else { return "" }
        return String(decoding: data.suffix(bytes), as: UTF8.self)
    }

    /// How many times `text` occurs in the controller's log so far (e.g. "Resync sweep finished").
    public func logCount(_ text: String) -> Int {
        guard let data = try? Data(contentsOf: logURL) else { return 0 }
        return String(decoding: data, as: UTF8.self).components(separatedBy: text).count - 1
    }

    /// `GET` a path of the public listener; returns the status.
    public func status(of path: String, client: HTTPClient = .shared, timeout: Duration = .seconds(10)) async throws -> Int {
        let response = try await client.execute(HTTPClientRequest(url: baseURL + path), timeout: TimeAmount(timeout))
        return Int(response.status.code)
    }

    public func postEvent(_ body: [UInt8], client: HTTPClient = .shared,
                          timeout: Duration = .seconds(10)) async throws -> (status: Int, body: [UInt8]) {
        try await Self.postEvent(body, to: baseURL, client: client, timeout: timeout)
    }

    /// `POST /v1/events` to the controller (or a load balancer in front of controllers) at `baseURL`.
    public static func postEvent(_ body: [UInt8], to baseURL: String, client: HTTPClient = .shared,
                                 timeout: Duration = .seconds(10)) async throws -> (status: Int, body: [UInt8]) {
        var request = HTTPClientRequest(url: baseURL + "/v1/events")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: "x-api-key", value: Self.apiKey)
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: TimeAmount(timeout))
        let buffer = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), Array(buffer.readableBytesView))
    }

    deinit {
        if let process, process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)
        }
    }
}

extension Process {
    /// SIGTERM (and SIGCONT, so a paused process can handle it), then SIGKILL if it has not exited
    /// within `grace`. Waits without blocking a thread of the cooperative pool, and ends however the
    /// process behaves. Returns the exit status (the signal's number after a SIGKILL).
    @discardableResult
    public func stop(grace: Duration = .seconds(30)) async -> Int32 {
        guard isRunning else { return terminationStatus }
        terminate()
        Glibc.kill(processIdentifier, SIGCONT)
        if await !eventually(timeout: grace, interval: .milliseconds(50), { !isRunning }) {
            Glibc.kill(processIdentifier, SIGKILL)
            waitUntilExit()  // a killed process is reaped at once
        }
        return terminationStatus
    }
}

public struct ProcessFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Free loopback ports for child processes (test servers bind them right after).
public enum FreePort {
    /// Where ports are picked: below Linux's ephemeral range (32768–60999), so no outgoing
    /// connection (a test's HTTP client, Consul's own) takes a port between our pick and the
    /// server's bind, which asking the kernel for port 0 could not promise. Above the fixed ports of
    /// the local stack (Consul 18500, moto 15000).
    static let range = 20_000..<32_000

    /// Every port handed out by this process. A port is handed out once: tests run in parallel, and
    /// a port that is free when asked stays free until its server binds it, or while that server is
    /// down between a kill and a restart; another test must not be given it in that window.
    private static let handedOut = Mutex<Set<Int>>([])

    /// A port in ``range`` that nothing is bound to now and that this process never handed out before.
    public static func next() throws -> Int {
        for _ in 0..<400 {
            let port = Int.random(in: range)
            guard handedOut.withLock({ $0.insert(port).inserted }) else { continue }
            if try isBindable(port) { return port }
        }
        throw ProcessFailure("no bindable port in \(range)")
    }

    private static func isBindable(_ port: Int) throws -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ProcessFailure("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        return bound == 0
    }
}
