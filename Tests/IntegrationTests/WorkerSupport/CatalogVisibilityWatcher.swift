import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Records when each service instance first appears passing in Consul's
/// `/v1/health/service/<name>?passing`, using blocking queries so an appearance is seen within a
/// round trip of Consul's index moving (no polling interval in the measurement).
final class CatalogVisibilityWatcher: Sendable {
    private let firstSeen = Mutex<[String: ContinuousClock.Instant]>([:])
    private let client: HTTPClient
    private let address: String
    private let token: String

    init(client: HTTPClient, address: String, token: String) {
        self.client = client
        self.address = address
        self.token = token
    }

    /// When `serviceID` was first seen passing, if it was.
    func seen(_ serviceID: String) -> ContinuousClock.Instant? {
        firstSeen.withLock { $0[serviceID] }
    }

    /// How many of `serviceIDs` were seen.
    func count(of serviceIDs: some Sequence<String>) -> Int {
        firstSeen.withLock { seen in serviceIDs.reduce(0) { $0 + (seen[$1] == nil ? 0 : 1) } }
    }

    /// Watches `service` until `expected` instances were seen or `deadline` passes.
    func watch(service: String, expected: Set<String>, until deadline: ContinuousClock.Instant) async {
        var index = "0"
        while ContinuousClock.now < deadline, count(of: expected) < expected.count {
            var request = HTTPClientRequest(url: "\(address)/v1/health/service/\(service)?passing&index=\(index)&wait=5s")
            request.headers.add(name: "X-Consul-Token", value: token)
            guard let response = try? await client.execute(request, timeout: .seconds(10)),
                  let body = try? await response.body.collect(upTo: 16 << 20) else {
                try? await Task.sleep(for: .milliseconds(20))
                continue
            }
            let now = ContinuousClock.now
            index = response.headers.first(name: "X-Consul-Index") ?? index
            let entries = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [[String: Any]] ?? []
            let ids = entries.compactMap { ($0["Service"] as? [String: Any])?["ID"] as? String }
            firstSeen.withLock { seen in
                for id in ids where seen[id] == nil { seen[id] = now }
            }
        }
    }
}

/// Latency statistics in milliseconds (nearest-rank percentiles).
struct LatencySummary: CustomStringConvertible {
    let count: Int
    let p50: Double
    let p99: Double
    let max: Double

    init(_ samples: [Duration]) {
        let sorted = samples.map { Double($0.components.seconds) * 1000 + Double($0.components.attoseconds) / 1e15 }.sorted()
        func rank(_ p: Double) -> Double {
            sorted.isEmpty ? .nan : sorted[Swift.max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1)]
        }
        count = sorted.count
        p50 = rank(0.50)
        p99 = rank(0.99)
        max = sorted.last ?? .nan
    }

    var description: String { String(format: "n=%d p50=%.1f ms p99=%.1f ms max=%.1f ms", count, p50, p99, max) }
}

/// When each request was sent, by service instance ID.
final class SendTimes: Sendable {
    private let times = Mutex<[String: ContinuousClock.Instant]>([:])

    func record(_ id: String) { times.withLock { $0[id] = ContinuousClock.now } }
    var snapshot: [String: ContinuousClock.Instant] { times.withLock { $0 } }
}
