public import Consul
public import Logging
public import MeshModel

/// ``MeshCatalogWriter`` over Consul's catalog API.
///
/// A full write is two `PUT /v1/catalog/register` calls, the service with its checks and then the
/// proxy with its checks (a catalog registration carries one service), both with `SkipNodeUpdate`
/// so the synthetic node is created once with its meta and never rewritten. A checks-only change is
/// one call with just the changed checks, as consul-ecs health-sync batches them.
public struct ConsulMeshCatalog: MeshCatalogWriter {
    private let consul: ConsulClient

    public init(consul: ConsulClient) {
        self.consul = consul
    }

    public func write(_ intent: CatalogIntent, change: CatalogIntent.Change, logger: Logger) async throws {
        switch change {
        case .none:
            return
        case .checks(let checks):
            try await consul.register(registration(intent, service: nil, checks: checks), logger: logger)
        case .full:
            for service in [intent.service, intent.proxy] {
                let registration = registration(intent, service: service, checks: intent.checks(of: service.id))
                try await consul.register(registration, logger: logger)
            }
        }
    }

    public func deregister(node: String, serviceIDs: [String], logger: Logger) async throws {
        for id in serviceIDs {
            try await consul.deregister(.service(id, node: node), logger: logger)
        }
    }

    private func registration(
        _ intent: CatalogIntent, service: MeshModel.CatalogService?, checks: [CatalogCheck]
    ) -> CatalogRegistration {
        CatalogRegistration(
            node: intent.node, address: intent.nodeAddress, nodeMeta: intent.nodeMeta, skipNodeUpdate: true,
            service: service.map(Self.consulService), checks: checks.map(Self.consulCheck)
        )
    }

    static func consulService(_ service: MeshModel.CatalogService) -> Consul.CatalogService {
        Consul.CatalogService(
            id: service.id, service: service.name,
            kind: service.kind.map { ServiceKind(rawValue: $0) } ?? .typical,
            address: service.address, port: service.port, meta: service.meta,
            proxy: service.proxy.map { proxy in
                ConnectProxy(
                    destinationServiceName: proxy.destinationServiceName,
                    destinationServiceID: proxy.destinationServiceID,
                    localServiceAddress: proxy.localServiceAddress,
                    localServicePort: proxy.localServicePort,
                    upstreams: proxy.upstreams.map {
                        ConnectProxy.Upstream(destinationName: $0.destinationName, localBindPort: $0.localBindPort)
                    }
                )
            }
        )
    }

    static func consulCheck(_ check: CatalogCheck) -> HealthCheck {
        HealthCheck(
            checkID: check.checkID, name: check.name, status: HealthStatus(rawValue: check.status.rawValue),
            notes: check.notes, output: check.output, serviceID: check.serviceID, type: check.type
        )
    }
}
