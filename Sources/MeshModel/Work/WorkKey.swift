/// The durable work keys, and the one place that knows how they are spelled.
///
/// Keys are names of desired state, never recipes (DESIGN principle 2): `task:<taskArn>` is written
/// by the journal for every applied event; `service:<serviceName>` by the registration worker when a
/// mesh task of the service appears or goes, in whichever cluster; `client-token` by the start-up
/// sweep when the shared client token is configured; `resync` by a replica's admin API when an
/// operator asks a replica that does not lead for a resync sweep (the leader runs it).
///
/// The journal stores keys as opaque strings: it builds the task key of an event it applies through
/// ``task(arn:)`` and never parses one. Workers, the admin API and ingest parse and build keys here.
public enum WorkKey: Sendable, Hashable, CustomStringConvertible {
    /// Converge the catalog registration of one task.
    case task(arn: String)
    /// Converge the token, the secret and the `services` row of one service name, for every cluster
    /// that runs it: one key per name, so one worker at a time writes them.
    case service(name: String)
    /// A token key of the earlier per-cluster spelling `service:<clusterArn>/<serviceName>`, still
    /// found in journals written before keys became per name. It is worked by queueing
    /// ``service(name:)`` for its name.
    case legacyService(clusterArn: String, name: String)
    /// Converge the optional shared Consul client token.
    case clientToken
    /// Run one resync sweep (asked on a replica that follows; the leader's queue runs it).
    case resync

    static let taskPrefix = "task:"
    static let servicePrefix = "service:"
    static let clientTokenKey = "client-token"
    static let resyncKey = "resync"

    /// Parses a stored key; `nil` for a key no worker owns.
    public init?(_ key: String) {
        if key.hasPrefix(Self.taskPrefix) {
            let arn = String(key.dropFirst(Self.taskPrefix.count))
            guard !arn.isEmpty else { return nil }
            self = .task(arn: arn)
        } else if key.hasPrefix(Self.servicePrefix) {
            let rest = key.dropFirst(Self.servicePrefix.count)
            guard let slash = rest.lastIndex(of: "/") else {
                guard !rest.isEmpty else { return nil }
                self = .service(name: String(rest))
                return
            }
            // Service names never contain "/", cluster ARNs do: a slash means the legacy spelling,
            // split at the last one.
            let cluster = String(rest[..<slash]), name = String(rest[rest.index(after: slash)...])
            guard !cluster.isEmpty, !name.isEmpty else { return nil }
            self = .legacyService(clusterArn: cluster, name: name)
        } else if key == Self.clientTokenKey {
            self = .clientToken
        } else if key == Self.resyncKey {
            self = .resync
        } else {
            return nil
        }
    }

    /// The key as stored in the journal.
    public var rawValue: String {
        switch self {
        case .task(let arn): Self.taskPrefix + arn
        case .service(let name): Self.servicePrefix + name
        case .legacyService(let cluster, let name): Self.servicePrefix + cluster + "/" + name
        case .clientToken: Self.clientTokenKey
        case .resync: Self.resyncKey
        }
    }

    public var description: String { rawValue }

    /// The kind of work, for metrics labels and the admin API: `task`, `service`, `client-token`
    /// or `resync`.
    public var kind: String {
        switch self {
        case .task: "task"
        case .service, .legacyService: "service"
        case .clientToken: Self.clientTokenKey
        case .resync: Self.resyncKey
        }
    }

    /// The key as an operator types it, without ARNs: `task:<taskId>`, `service:<name>`, `client-token`,
    /// `resync`.
    public var shortForm: String {
        switch self {
        case .task(let arn): Self.taskPrefix + (arn.split(separator: "/").last.map(String.init) ?? arn)
        case .service(let name), .legacyService(_, let name): Self.servicePrefix + name
        case .clientToken: Self.clientTokenKey
        case .resync: Self.resyncKey
        }
    }

    /// What an abbreviated key an operator typed can stand for: `task:<taskId>` for the key of the
    /// task with that ID in any cluster, `service:<name>` for a legacy per-cluster key of the
    /// service. Stored keys that start with `prefix` and end with `suffix` match; `nil` when `text`
    /// is no abbreviation.
    public static func abbreviation(_ text: String) -> (prefix: String, suffix: String)? {
        for prefix in [taskPrefix, servicePrefix] where text.hasPrefix(prefix) {
            let rest = text.dropFirst(prefix.count)
            guard !rest.isEmpty else { return nil }
            return (prefix, "/" + rest)
        }
        return nil
    }
}

/// One mesh service in one cluster: what the service index counts live tasks of. The token itself
/// belongs to the name (``WorkKey/service(name:)``), whichever clusters run it.
public struct MeshServiceRef: Sendable, Hashable, CustomStringConvertible {
    public var clusterArn: String
    /// The Consul service name.
    public var name: String

    public init(clusterArn: String, name: String) {
        self.clusterArn = clusterArn
        self.name = name
    }

    /// The work key of this service's token: the name's, shared by every cluster.
    public var workKey: String { WorkKey.service(name: name).rawValue }

    public var description: String { "\(name) (\(clusterArn))" }
}
