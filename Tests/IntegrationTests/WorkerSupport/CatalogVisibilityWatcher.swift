import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Waits for one service instance to be listed passing in Consul's `/v1/health/service/<name>?passing`.
///
/// Blocking queries see a change within a round trip of Consul's index moving, without a polling
/// interval. But Consul 1.8 wakes a health query on any change to the node, and every mesh service
/// sits on one synthetic node, so many watchers would each wake on every registration and load the
/// very Consul being measured. So the watcher blocks on `/v1/catalog/service/<name>` (which wakes
/// only when that service changes), filtered to the one instance, and once the instance is there
/// confirms it with `/v1/health/service/<name>?passing`.
///
/// The instant reported is the catalog answer's arrival when the confirmation shows that the
/// instance was already passing then: every one of its checks last modified at or before the
/// catalog answer's `X-Consul-Index` (the controller writes a service and its checks in one
/// transaction, so they share an index). Otherwise (its checks changed later, e.g. critical first)
/// it is the confirmation's arrival. Reporting the confirmation's arrival always added a second
/// round trip to a loaded Consul to every sample (p50 6.9 ms, p99 59 ms in a loaded run).
struct CatalogVisibilityWatcher: Sendable {
    let client: HTTPClient
    let address: String
    let token: String

    /// The first instant the instance was listed passing, or `nil` if not by `deadline`.
    func firstSeen(service: String, serviceID: String, until deadline: ContinuousClock.Instant) async -> ContinuousClock.Instant? {
        var index = "0"
        while ContinuousClock.now < deadline {
            guard let (catalog, next) = await get("/v1/catalog/service/\(service)",
                                                  filter: "ServiceID == \"\(serviceID)\"", index: index) else {
                try? await Task.sleep(for: .milliseconds(5))
                continue
            }
            let catalogAnswered = ContinuousClock.now
            index = next ?? index
            guard catalog.contains(serviceID) else { continue }
            if let (health, _) = await get("/v1/health/service/\(service)", filter: "Service.ID == \"\(serviceID)\"",
                                           index: nil, passing: true), health.contains(serviceID) {
                if let catalogIndex = next.flatMap(UInt64.init), let newest = Self.newestCheckIndex(health),
                   newest <= catalogIndex {
                    return catalogAnswered
                }
                return .now
            }
            // Registered but not passing yet: wait for its checks (rare in this benchmark).
            try? await Task.sleep(for: .milliseconds(1))
            index = "0"
        }
        return nil
    }

    /// The highest `ModifyIndex` of the checks in a `/v1/health/service` answer; `nil` if it has none
    /// or cannot be read.
    static func newestCheckIndex(_ health: String) -> UInt64? {
        guard let entries = try? JSONSerialization.jsonObject(with: Data(health.utf8)) as? [[String: Any]] else { return nil }
        let indexes = entries.flatMap { ($0["Checks"] as? [[String: Any]]) ?? [] }
            .compactMap { ($0["ModifyIndex"] as? NSNumber)?.uint64Value }
        return indexes.max()
    }

    /// One GET (blocking when `index` is given); the body as text and `X-Consul-Index`.
    private func get(_ path: String, filter: String, index: String?, passing: Bool = false) async -> (String, String?)? {
        let encoded = filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        var url = "\(address)\(path)?filter=\(encoded)"
        if passing { url += "&passing" }
        if let index { url += "&index=\(index)&wait=5s" }
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "X-Consul-Token", value: token)
        guard let response = try? await client.execute(request, timeout: .seconds(10)), response.status == .ok,
              let body = try? await response.body.collect(upTo: 1 << 20) else { return nil }
        return (String(buffer: body), response.headers.first(name: "X-Consul-Index"))
    }
}

/// Latency statistics in milliseconds (nearest-rank percentiles).
struct LatencySummary: CustomStringConvertible {
    let count: Int
    let p50: Double
    let p90: Double
    let p99: Double
    let p999: Double
    let max: Double

    init(_ samples: [Duration]) {
        let sorted = samples.map { Double($0.components.seconds) * 1000 + Double($0.components.attoseconds) / 1e15 }.sorted()
        func rank(_ p: Double) -> Double {
            sorted.isEmpty ? .nan : sorted[Swift.max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1)]
        }
        count = sorted.count
        p50 = rank(0.50)
        p90 = rank(0.90)
        p99 = rank(0.99)
        p999 = rank(0.999)
        max = sorted.last ?? .nan
    }

    var description: String {
        String(format: "n=%d p50=%.1f ms p90=%.1f ms p99=%.1f ms p99.9=%.1f ms max=%.1f ms", count, p50, p90, p99, p999, max)
    }
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
