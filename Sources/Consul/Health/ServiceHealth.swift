public import MeshModel
import OpaqueJSON

/// One instance of a service with its node and checks (`GET /v1/health/service/:service`).
public struct ServiceHealth: Sendable, Equatable, Decodable {
    public var node: CatalogNode
    public var service: CatalogService
    public var checks: [HealthCheck]

    /// The worst status of ``checks`` (`passing` when there are none), as Consul aggregates them.
    public var aggregatedStatus: HealthStatus {
        let order: [HealthStatus] = [.maintenance, .critical, .warning]
        return order.first { status in checks.contains { $0.status == status } } ?? .passing
    }

    enum CodingKeys: String, CodingKey { case node = "Node", service = "Service", checks = "Checks" }

    public init(node: CatalogNode, service: CatalogService, checks: [HealthCheck]) {
        self.node = node
        self.service = service
        self.checks = checks
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        node = try container.decode(CatalogNode.self, forKey: .node)
        service = try container.decode(CatalogService.self, forKey: .service)
        checks = container.lenient(.checks, default: [])
    }
}
