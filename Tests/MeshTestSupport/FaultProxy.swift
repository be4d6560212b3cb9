import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
import Glibc
#endif

/// `deploy/local/fault_proxy.py`, started as a child process in front of a real server (moto): it
/// forwards every request unless a rule says to answer 500, 429 `ThrottlingException`, reset the
/// connection or hold the answer, per AWS target (`X-Amz-Target`). Rules switch at run time.
///
/// ```swift
/// let proxy = try await FaultProxy.start(upstream: "http://127.0.0.1:15000")
/// try await proxy.set([.init(target: .secretsManager, fault: .throttle)])
/// // point the AWS client at proxy.url ... then lift the fault:
/// try await proxy.clear()
/// ```
public final class FaultProxy: @unchecked Sendable {
    // Safety: `process` is set once in `init` and only read afterwards.

    /// What the proxy does instead of forwarding.
    public enum Fault: String, Sendable, Encodable, CaseIterable, CustomStringConvertible {
        /// 500 with an AWS JSON body (`InternalFailure`).
        case status500
        /// 429 with an AWS JSON body `{"__type": "ThrottlingException"}`.
        case throttle
        /// The connection reset after the request was read.
        case reset
        /// The answer held for `seconds`, then forwarded.
        case delay

        public var description: String { rawValue }
    }

    /// Which AWS service a rule applies to.
    public enum Target: String, Sendable, Encodable {
        case secretsManager = "secretsmanager"
        case ecs
        case any = "*"
    }

    /// One rule; the first that matches a request decides.
    public struct Rule: Sendable, Encodable {
        public var target: Target
        public var fault: Fault
        /// For ``Fault/delay``.
        public var seconds: Double?
        /// Only this operation (e.g. `DescribeTasks`).
        public var operation: String?
        /// Apply this many times, then expire.
        public var times: Int?

        public init(target: Target, fault: Fault, seconds: Double? = nil, operation: String? = nil, times: Int? = nil) {
            self.target = target
            self.fault = fault
            self.seconds = seconds
            self.operation = operation
            self.times = times
        }
    }

    /// The proxy's script in this repository.
    public static var scriptPath: String { Repository.path("deploy/local/fault_proxy.py") }

    public let port: Int
    /// The endpoint URL to give the AWS client instead of the upstream's.
    public var url: String { "http://127.0.0.1:\(port)" }
    private var adminURL: String { url + "/__faults" }
    private let process: Process

    private init(port: Int, process: Process) {
        self.port = port
        self.process = process
    }

    /// Starts the proxy on a free loopback port and waits until it answers. Python's start-up takes
    /// far longer on a loaded machine, so the wait is long (only a failing start waits it out); a
    /// proxy that exits at once (its port taken by another process after we picked it) is started
    /// again on another port.
    public static func start(upstream: String, timeout: Duration = .seconds(120), attempts: Int = 3) async throws -> FaultProxy {
        var attempt = 1
        while true {
            let port = try FreePort.next()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", scriptPath, "--port", String(port), "--upstream", upstream]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let proxy = FaultProxy(port: port, process: process)
            let settled = await eventually(timeout: timeout, interval: .milliseconds(100)) {
                if !process.isRunning { return true }
                return (try? await proxy.send(.GET)) != nil
            }
            if settled, process.isRunning { return proxy }
            proxy.stop()
            guard settled, attempt < attempts else {
                throw ProcessFailure("fault proxy did not answer on port \(port) (attempt \(attempt): "
                    + (settled ? "exited with \(process.terminationStatus))" : "no answer within \(timeout))"))
            }
            attempt += 1
        }
    }

    /// Replaces every rule.
    public func set(_ rules: [Rule]) async throws {
        struct Body: Encodable { var rules: [Rule] }
        _ = try await send(.PUT, body: try JSONEncoder().encode(Body(rules: rules)))
    }

    /// Lifts every fault: everything is forwarded again.
    public func clear() async throws {
        _ = try await send(.DELETE)
    }

    /// Requests seen per target ("secretsmanager", "ecs") and what was done with them ("forwarded",
    /// or the fault's name).
    public func counts() async throws -> [String: [String: Int]] {
        struct Snapshot: Decodable { var counts: [String: [String: Int]] }
        return try JSONDecoder().decode(Snapshot.self, from: try await send(.GET)).counts
    }

    /// How many requests of `target` got `fault`.
    public func injected(_ fault: Fault, target: Target) async throws -> Int {
        try await counts()[target.rawValue]?[fault.rawValue] ?? 0
    }

    /// Stops the proxy process (SIGKILL: it holds nothing to save, and a signal mask inherited from
    /// a dispatch worker thread could block SIGTERM).
    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }

    private func send(_ method: HTTPMethod, body: Data? = nil) async throws -> Data {
        var request = HTTPClientRequest(url: adminURL)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        let buffer = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok else {
            throw ProcessFailure("fault proxy answered \(response.status): \(String(buffer: buffer))")
        }
        return Data(buffer.readableBytesView)
    }
}
