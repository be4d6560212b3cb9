import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Waits for one service instance to be listed passing in Consul's
/// `/v1/health/service/<name>?passing`, with blocking queries filtered to that instance.
///
/// A blocking query answers as soon as Consul's index moves, so the instance is seen within a round
/// trip of its registration, without a polling interval. Consul 1.8 wakes such a query on any catalog
/// change, so the filter (`Service.ID == "<id>"`) keeps each answer tiny, and one watcher per
/// in-flight task keeps the measuring cheap next to the system measured.
struct CatalogVisibilityWatcher: Sendable {
    let client: HTTPClient
    let address: String
    let token: String

    /// The first instant the instance was listed passing, or `nil` if not by `deadline`.
    func firstSeen(service: String, serviceID: String, until deadline: ContinuousClock.Instant) async -> ContinuousClock.Instant? {
        let filter = "Service.ID == \"\(serviceID)\""
            .addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        var index = "0"
        while ContinuousClock.now < deadline {
            var request = HTTPClientRequest(
                url: "\(address)/v1/health/service/\(service)?passing&filter=\(filter)&index=\(index)&wait=5s")
            request.headers.add(name: "X-Consul-Token", value: token)
            guard let response = try? await client.execute(request, timeout: .seconds(10)),
                  let body = try? await response.body.collect(upTo: 1 << 20) else {
                try? await Task.sleep(for: .milliseconds(5))
                continue
            }
            let now = ContinuousClock.now
            if response.status == .ok, String(buffer: body).contains(serviceID) { return now }
            index = response.headers.first(name: "X-Consul-Index") ?? index
        }
        return nil
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

/// Durations by task, collected by concurrent posting tasks.
final class LatencySamples: Sendable {
    private let visible = Mutex<[Duration]>([])
    private let acknowledged = Mutex<[Duration]>([])

    func record(visible duration: Duration) { visible.withLock { $0.append(duration) } }
    func record(acknowledged duration: Duration) { acknowledged.withLock { $0.append(duration) } }
    var visibleSummary: LatencySummary { LatencySummary(visible.withLock { $0 }) }
    var acknowledgedSummary: LatencySummary { LatencySummary(acknowledged.withLock { $0 }) }
}
