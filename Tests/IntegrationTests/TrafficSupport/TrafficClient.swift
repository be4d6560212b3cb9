import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// HTTP through a sidecar's upstream listener: one new connection per request (`Connection:
/// close`), so the proxy picks an upstream instance for every request.
struct TrafficClient: Sendable {
    let url: String

    /// The instance that answered, or `nil` when the request failed (refused, reset, timed out, non-200).
    func get() async -> String? {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Connection", value: "close")
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            let body = try await response.body.collect(upTo: 4096)
            guard response.status == .ok else { return nil }
            return String(buffer: body)
        } catch {
            return nil
        }
    }
}

/// Requests sent one after another until stopped, counting each instance and each failure.
final class TrafficLoad: Sendable {
    struct Tally: Sendable {
        var requests = 0
        var failures = 0
        var byInstance: [String: Int] = [:]
        /// Instances that answered the last few requests, newest last.
        var recent: [String] = []
    }

    /// What the sending task and the test share.
    private final class Shared: Sendable {
        let tally = Mutex(Tally())
        let stopping = Mutex(false)
    }

    private let shared = Shared()
    private let task: Task<Void, Never>

    init(_ client: TrafficClient) {
        let shared = self.shared
        task = Task {
            while !shared.stopping.withLock({ $0 }) {
                let instance = await client.get()
                shared.tally.withLock { tally in
                    tally.requests += 1
                    if let instance {
                        tally.byInstance[instance, default: 0] += 1
                        tally.recent = Array((tally.recent + [instance]).suffix(30))
                    } else {
                        tally.failures += 1
                    }
                }
            }
        }
    }

    var tally: Tally { shared.tally.withLock { $0 } }

    /// Stops after the request in flight; returns the final tally.
    func stop() async -> Tally {
        shared.stopping.withLock { $0 = true }
        await task.value
        return tally
    }
}
