/// What the Consul catalog should hold for one task: the registration worker's pure decision.
///
/// Level-triggered: the plan depends only on the task's folded state, its mesh settings and its
/// container health, never on what happened before, so running it twice gives the same answer.
///
/// ```swift
/// switch ServiceRegistrationPlan(task: record, settings: settings, containerHealth: health,
///                                configuration: .init()) {
/// case .register(let intent): if intent != lastWritten { try await consul.register(intent) }
/// case .deregister(let node, let ids): for id in ids { try await consul.deregister(node: node, serviceID: id) }
/// case .skip: break
/// }
/// ```
public enum ServiceRegistrationPlan: Sendable, Equatable {
    /// Register (or update) the service, its sidecar proxy (none for a gateway) and their checks.
    case register(CatalogIntent)
    /// The task has stopped: remove these services (service first, then proxy) from `node`.
    case deregister(node: String, serviceIDs: [String])
    /// Nothing to write for this task now.
    case skip(SkipReason)

    /// Why a task gets no catalog change.
    public enum SkipReason: Sendable, Equatable, CustomStringConvertible {
        /// The task is not tagged `consul.hashicorp.com/mesh=true`.
        case notMesh
        /// The task has no ENI address yet (it is still being provisioned).
        case noAddress(lastStatus: TaskStatus)
        /// Neither the service-port tag nor a port mapping gave the service a port.
        case noServicePort
        /// The gateway kind needs a newer Consul than this controller targets (`api-gateway`).
        case unsupportedGatewayKind(GatewayKind)

        public var description: String {
            switch self {
            case .notMesh: "not a mesh task (tag consul.hashicorp.com/mesh is not \"true\")"
            case let .noAddress(status): "task has no address yet (lastStatus \(status))"
            case .noServicePort: "no service port (no tag consul.hashicorp.com/service-port and no port mapping)"
            case let .unsupportedGatewayKind(kind):
                "gateway kind \(kind.rawValue) is not supported on Consul 1.8.7 (it needs Consul 1.15); not registered"
            }
        }
    }

    /// Plans the catalog state of a task from its tags alone (no consul-ecs config).
    ///
    /// - Parameters:
    ///   - servicePort: The service port the caller resolved (tag, else the task definition's first
    ///     port mapping), or `nil` if there is none.
    /// - Throws: ``MeshTagError`` when a tag of a mesh task cannot be used (the key should park
    ///   with that message, since retrying cannot fix a tag).
    public init(
        task: TaskRecord,
        tags: MeshTags,
        servicePort: Int?,
        containerHealth: [String: ContainerHealth],
        heartbeatHealth: TaskHealth? = nil,
        configuration: MeshPlanConfiguration
    ) throws(MeshTagError) {
        guard tags.isMesh else {
            self = .skip(.notMesh)
            return
        }
        let settings = try MeshTaskSettings(source: .tags, tags: tags, config: nil, family: task.family,
                                            definitionPort: servicePort)
        self.init(task: task, settings: settings, containerHealth: containerHealth,
                  heartbeatHealth: heartbeatHealth, configuration: configuration)
    }

    /// Plans the catalog state of a mesh task.
    ///
    /// - Parameters:
    ///   - task: The folded task.
    ///   - settings: What the task registers as (tags and consul-ecs config merged).
    ///   - containerHealth: The latest reported health per container name; empty before the first report.
    ///   - heartbeatHealth: The journaled health from the task's heartbeat sidecar, if it ever sent one:
    ///     its container health replaces `containerHealth`, and STOPPING or an expired TTL makes every
    ///     check critical.
    ///   - configuration: Ports, meta and check options.
    public init(
        task: TaskRecord,
        settings: MeshTaskSettings,
        containerHealth: [String: ContainerHealth],
        heartbeatHealth: TaskHealth? = nil,
        configuration: MeshPlanConfiguration
    ) {
        let serviceID = MeshNames.serviceID(service: settings.serviceName, taskID: task.taskID)
        let proxyID = MeshNames.proxyID(serviceID: serviceID)
        // A stopped task leaves the catalog.
        if task.lastStatus == .stopped {
            self = .deregister(node: task.clusterArn, serviceIDs: settings.gateway == nil ? [serviceID, proxyID] : [serviceID])
            return
        }
        // Nothing is written before the task has an address and a port.
        if let kind = settings.gateway?.kind, !kind.isSupportedOnConsul18 {
            self = .skip(.unsupportedGatewayKind(kind))
            return
        }
        guard let address = task.address, !address.isEmpty else {
            self = .skip(.noAddress(lastStatus: task.lastStatus))
            return
        }
        guard let servicePort = settings.servicePort else {
            self = .skip(.noServicePort)
            return
        }
        let registration = RegistrationBuilder(task: task, settings: settings, serviceID: serviceID, proxyID: proxyID,
                                               address: address, servicePort: servicePort, configuration: configuration)
        // Checks: health-synced containers (or the task status), and the proxy mirroring them.
        let checks = HealthCheckPlanner(
            task: task, service: settings.serviceName, serviceID: serviceID, proxyID: proxyID,
            containers: settings.healthSyncContainers, containerHealth: heartbeatHealth?.containers ?? containerHealth,
            healthOverride: heartbeatHealth?.overrideOutput,
            proxyMirrorsServiceHealth: settings.gateway == nil && configuration.proxyMirrorsServiceHealth
        ).checks()
        self = .register(CatalogIntent(
            node: task.clusterArn,
            nodeAddress: address,
            nodeMeta: MeshNames.syntheticNodeMeta,
            service: settings.gateway.map(registration.gateway) ?? registration.service(),
            proxy: settings.gateway == nil ? registration.sidecar() : nil,
            checks: checks
        ))
    }
}

/// Builds the service, sidecar and gateway registrations of one task (the planner's steps).
private struct RegistrationBuilder {
    var task: TaskRecord
    var settings: MeshTaskSettings
    var serviceID: String
    var proxyID: String
    var address: String
    var servicePort: Int
    var configuration: MeshPlanConfiguration

    /// `task-id`, `task-arn` and `source` over the config's own meta (ours win: resync needs them).
    var meta: [String: String] {
        settings.meta.merging([
            MeshNames.MetaKey.taskID: task.taskID,
            MeshNames.MetaKey.taskArn: task.taskArn,
            MeshNames.MetaKey.source: configuration.sourceMeta,
        ]) { _, ours in ours }
    }

    func service() -> CatalogService {
        CatalogService(
            id: serviceID, name: settings.serviceName, address: address, port: servicePort, meta: meta,
            tags: settings.tags, enableTagOverride: settings.enableTagOverride, weights: settings.weights
        )
    }

    func sidecar() -> CatalogService {
        CatalogService(
            id: proxyID,
            name: MeshNames.proxyName(service: settings.serviceName),
            kind: .connectProxy,
            address: address,
            port: settings.proxyPort ?? configuration.proxyPort,
            meta: meta,
            tags: settings.tags,
            proxy: ProxySettings(
                destinationServiceName: settings.serviceName,
                destinationServiceID: serviceID,
                localServiceAddress: settings.localServiceAddress ?? configuration.localServiceAddress,
                localServicePort: servicePort,
                upstreams: settings.upstreams,
                config: settings.proxyConfig,
                meshGateway: settings.meshGateway
            )
        )
    }

    /// A gateway at its LAN address (default: the task's), with `lan` and `wan` tagged addresses.
    func gateway(_ gateway: MeshTaskSettings.Gateway) -> CatalogService {
        let lan = CatalogAddress(address: gateway.lanAddress ?? address, port: gateway.lanPort)
        let wan = CatalogAddress(address: gateway.wanAddress ?? lan.address, port: gateway.wanPort)
        return CatalogService(
            id: serviceID, name: settings.serviceName, kind: ServiceKind(rawValue: gateway.kind.rawValue), address: lan.address,
            port: lan.port, meta: meta, tags: settings.tags,
            taggedAddresses: ["lan": lan, "wan": wan],
            proxy: gateway.proxyConfig.map(ProxySettings.gateway(config:))
        )
    }
}
