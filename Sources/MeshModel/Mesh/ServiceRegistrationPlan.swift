/// What the Consul catalog should hold for one task: the registration worker's pure decision.
///
/// Level-triggered: the plan depends only on the task's folded state, its tags and its container
/// health, never on what happened before, so running it twice gives the same answer.
///
/// ```swift
/// switch try ServiceRegistrationPlan(task: record, tags: tags, servicePort: 8080,
///                                    containerHealth: health, configuration: .init()) {
/// case .register(let intent): if intent != lastWritten { try await consul.register(intent) }
/// case .deregister(let node, let ids): for id in ids { try await consul.deregister(node: node, serviceID: id) }
/// case .skip: break
/// }
/// ```
public enum ServiceRegistrationPlan: Sendable, Equatable {
    /// Register (or update) the service, its sidecar proxy and their checks.
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

        public var description: String {
            switch self {
            case .notMesh: "not a mesh task (tag consul.hashicorp.com/mesh is not \"true\")"
            case let .noAddress(status): "task has no address yet (lastStatus \(status))"
            case .noServicePort: "no service port (no tag consul.hashicorp.com/service-port and no port mapping)"
            }
        }
    }

    /// Plans the catalog state of `task`.
    ///
    /// - Parameters:
    ///   - task: The folded task.
    ///   - tags: The task's tags.
    ///   - servicePort: The service port the caller resolved (tag, else the task definition's first
    ///     port mapping), or `nil` if there is none.
    ///   - containerHealth: The latest reported health per container name; empty before the first report.
    ///   - heartbeatHealth: The journaled health from the task's heartbeat sidecar, if it ever sent one:
    ///     its container health replaces `containerHealth`, and STOPPING or an expired TTL makes every
    ///     check critical.
    ///   - configuration: Ports, meta and check options.
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
        let service = try tags.serviceName(family: task.family)
        let serviceID = MeshNames.serviceID(service: service, taskID: task.taskID)
        let proxyID = MeshNames.proxyID(serviceID: serviceID)
        if task.lastStatus == .stopped {
            self = .deregister(node: task.clusterArn, serviceIDs: [serviceID, proxyID])
            return
        }
        guard let address = task.address, !address.isEmpty else {
            self = .skip(.noAddress(lastStatus: task.lastStatus))
            return
        }
        guard let servicePort else {
            self = .skip(.noServicePort)
            return
        }
        let upstreams = try tags.upstreams

        let meta = [
            MeshNames.MetaKey.taskID: task.taskID,
            MeshNames.MetaKey.taskArn: task.taskArn,
            MeshNames.MetaKey.source: configuration.sourceMeta,
        ]
        let serviceRegistration = CatalogService(
            id: serviceID, name: service, address: address, port: servicePort, meta: meta
        )
        let proxyRegistration = CatalogService(
            id: proxyID,
            name: MeshNames.proxyName(service: service),
            kind: "connect-proxy",
            address: address,
            port: configuration.proxyPort,
            meta: meta,
            proxy: ProxySettings(
                destinationServiceName: service,
                destinationServiceID: serviceID,
                localServiceAddress: configuration.localServiceAddress,
                localServicePort: servicePort,
                upstreams: upstreams
            )
        )
        let checks = HealthCheckPlanner(
            task: task, service: service, serviceID: serviceID, proxyID: proxyID,
            containers: tags.healthSyncContainers, containerHealth: heartbeatHealth?.containers ?? containerHealth,
            healthOverride: heartbeatHealth?.overrideOutput,
            proxyMirrorsServiceHealth: configuration.proxyMirrorsServiceHealth
        ).checks()
        self = .register(CatalogIntent(
            node: task.clusterArn,
            nodeAddress: address,
            nodeMeta: MeshNames.syntheticNodeMeta,
            service: serviceRegistration,
            proxy: proxyRegistration,
            checks: checks
        ))
    }
}
