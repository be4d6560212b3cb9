public import MeshModel

/// What to do with the services on one cluster's synthetic node: the pure core of a sweep's Consul side.
///
/// Only services whose `source` meta is this controller's are ever touched. Foreign services are
/// counted and left alone; they never fail the sweep (the Go controller stops its whole cleanup on
/// one service without a `task-id`, consul-ecs-facts §1.1). One of ours is deregistered when its
/// task is unknown (neither journaled nor listed running in ECS) or stopped, unless the sweep could
/// not read that task's tags.
///
/// The other direction too: a task the journal says is registered whose service or proxy (a gateway
/// task has none) is not on the node (someone deleted it by hand, a Consul snapshot was restored) is listed in ``restore``,
/// and the sweep hands it to the registration worker again.
public struct ResyncCatalogPlan: Sendable, Equatable {
    /// A service on the node, as the catalog lists it.
    public struct NodeService: Sendable, Equatable {
        public var id: String
        public var meta: [String: String]
        /// The service's `Kind` (`connect-proxy`, a gateway kind), `nil` for a typical service.
        public var kind: String?

        public init(id: String, meta: [String: String], kind: String? = nil) {
            self.id = id
            self.meta = meta
            self.kind = kind
        }
    }

    /// Service IDs to deregister, in the node's order.
    public var deregister: [String] = []
    /// Services without our `source` meta (left alone).
    public var foreign = 0
    /// Our services whose task is alive.
    public var kept = 0
    /// Our services left alone because their task's tags could not be read, or they name no task.
    public var skipped = 0
    /// Tasks with at least one expected service ID missing from the node, sorted.
    public var restore: [String] = []

    public init() {}

    /// - Parameters:
    ///   - services: The node's services.
    ///   - sourceMeta: Our `source` meta value.
    ///   - journal: The journal's status of a task (`nil` when unknown), read when the plan is made.
    ///   - listedAlive: Tasks this sweep saw alive in ECS.
    ///   - unreadable: Tasks whose tags this sweep could not read.
    ///   - expected: The service IDs each registered task must have on the node (read before the
    ///     node's services, so a registration finishing in between is never taken for a missing one).
    public init(services: [NodeService], sourceMeta: String, journal: (String) -> TaskStatus?,
                listedAlive: Set<String>, unreadable: Set<String>, expected: [String: [String]] = [:]) {
        let present = Set(services.map(\.id))
        // A gateway task registers its gateway and no sidecar: its expected proxy ID is not missing.
        let gateways = Set(services.filter { $0.kind.flatMap(GatewayKind.init(rawValue:)) != nil }.map(\.id))
        restore = expected
            .filter { arn, ids in
                let required = ids.first.map { gateways.contains($0) ? [$0] : ids } ?? ids
                return !unreadable.contains(arn) && required.contains { !present.contains($0) }
            }
            .keys.sorted()
        for service in services {
            guard service.meta[MeshNames.MetaKey.source] == sourceMeta else {
                foreign += 1
                continue
            }
            guard let arn = service.meta[MeshNames.MetaKey.taskArn], !arn.isEmpty, !unreadable.contains(arn) else {
                skipped += 1
                continue
            }
            switch journal(arn) {
            case .some(.stopped):
                deregister.append(service.id)
            case .some:
                kept += 1
            case .none where listedAlive.contains(arn):
                kept += 1
            case .none:
                deregister.append(service.id)
            }
        }
    }
}
