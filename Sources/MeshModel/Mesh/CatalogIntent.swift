/// The desired Consul catalog state of one mesh task: what one `PUT /v1/catalog/register` per
/// service would write on the cluster's synthetic node. A gateway task has its gateway as
/// ``service`` and no ``proxy``.
///
/// `Equatable` and `Codable` so the registration worker can keep what it wrote last and write again
/// only when something changed (consul-ecs issue #309: a write per second per task is too many).
public struct CatalogIntent: Sendable, Equatable, Codable {
    /// Node name: the cluster ARN (the synthetic node of consul-ecs 0.8+).
    public var node: String
    /// Node address: the task's address, as consul-ecs registers it.
    public var nodeAddress: String
    /// Node meta, `synthetic-node=true`.
    public var nodeMeta: [String: String]
    /// The application service, `<service>-<taskId>`.
    public var service: CatalogService
    /// The sidecar proxy, `<service>-<taskId>-sidecar-proxy`, of kind `connect-proxy`; `nil` for a gateway.
    public var proxy: CatalogService?
    /// Checks of the service (and, if configured, of the proxy), in a stable order.
    public var checks: [CatalogCheck]

    public init(
        node: String, nodeAddress: String, nodeMeta: [String: String],
        service: CatalogService, proxy: CatalogService?, checks: [CatalogCheck]
    ) {
        self.node = node
        self.nodeAddress = nodeAddress
        self.nodeMeta = nodeMeta
        self.service = service
        self.proxy = proxy
        self.checks = checks
    }

    /// The service IDs this intent registers, service first (the order consul-ecs deregisters in).
    public var serviceIDs: [String] { [service.id] + (proxy.map { [$0.id] } ?? []) }

    /// The checks of one registered service.
    public func checks(of serviceID: String) -> [CatalogCheck] {
        checks.filter { $0.serviceID == serviceID }
    }

    /// What differs from `previous`, the intent written last.
    ///
    /// Health changes most often and touches only checks, so it gets its own case: the worker can
    /// send just those checks with `SkipNodeUpdate` (health-sync does the same, facts §3).
    public func change(since previous: CatalogIntent?) -> Change {
        guard let previous else { return .full }
        if self == previous { return .none }
        var withoutChecks = self
        withoutChecks.checks = previous.checks
        guard withoutChecks == previous,
              checks.map(\.checkID) == previous.checks.map(\.checkID) else { return .full }
        let changed = zip(checks, previous.checks).filter { $0 != $1 }.map(\.0)
        return .checks(changed)
    }

    /// How an intent differs from the one written before it.
    public enum Change: Sendable, Equatable {
        /// Identical: nothing to write.
        case none
        /// Only these checks changed (status, output or notes); everything else is as written.
        case checks([CatalogCheck])
        /// Registration data changed (or nothing was written yet): register everything.
        case full
    }
}

/// An address and port of a service's `TaggedAddresses`, coded as Consul spells it (the Consul
/// client sends and reads this type).
public struct CatalogAddress: Sendable, Hashable, Codable {
    public var address: String
    public var port: Int

    public init(address: String, port: Int) {
        self.address = address
        self.port = port
    }

    enum CodingKeys: String, CodingKey { case address = "Address", port = "Port" }
}

/// One catalog check (no interval or TTL: the controller sets its status).
public struct CatalogCheck: Sendable, Equatable, Codable {
    /// `Type` of every check consul-ecs creates; kept so tools that filter on it see ours too.
    public static let consulECSType = "consul-ecs-health-check"

    public var checkID: String
    public var name: String
    public var type: String
    public var serviceID: String
    public var status: CheckStatus
    /// Why the check has its status, for people reading the Consul UI.
    public var output: String
    public var notes: String

    public init(
        checkID: String, name: String, type: String = CatalogCheck.consulECSType, serviceID: String,
        status: CheckStatus, output: String, notes: String
    ) {
        self.checkID = checkID
        self.name = name
        self.type = type
        self.serviceID = serviceID
        self.status = status
        self.output = output
        self.notes = notes
    }
}

/// Consul check status. `warning` exists in Consul but is never planned (health-sync never uses it).
public enum CheckStatus: String, Sendable, Equatable, Codable, CustomStringConvertible {
    case passing
    case warning
    case critical

    public var description: String { rawValue }
}
