import AsyncHTTPClient
import Foundation
import MeshTestSupport
import NIOCore
import NIOHTTP1

/// The controller's `/metrics` (Prometheus text exposition), fetched once per phase boundary and
/// read by ``WorkTimeShare`` and ``ControllerLatencyView``.
enum MetricsText {
    static func fetch(_ controller: ControllerProcess, token: String, client: HTTPClient) async throws -> String {
        var request = HTTPClientRequest(url: controller.adminURL + "/metrics")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await client.execute(request, timeout: .seconds(30))
        return String(buffer: try await response.body.collect(upTo: 64 << 20))
    }

    /// The value of `label="…"` in a sample line.
    static func label(_ label: String, in line: Substring) -> String? {
        guard let start = line.range(of: "\(label)=\"") else { return nil }
        let rest = line[start.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
}
