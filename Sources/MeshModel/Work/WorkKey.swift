/// The durable work keys, and the one place that knows how they are spelled.
///
/// Keys are names of desired state, never recipes (DESIGN principle 2): `task:<taskArn>` is written
/// by the journal for every applied event; `service:<clusterArn>/<serviceName>` by the registration
/// worker when a mesh task of the service appears or goes; `client-token` by the start-up sweep when
/// the shared client token is configured.
///
/// The journal stores keys as opaque strings: it builds the task key of an event it applies through
/// ``task(arn:)`` and never parses one. Workers, the admin API and ingest parse and build keys here.
public enum WorkKey: Sendable, Hashable, CustomStringConvertible {
    /// Converge the catalog registration of one task.
    case task(arn: String)
    /// Converge the token and secret of one service.
    case service(MeshServiceRef)
    /// Converge the optional shared Consul client token.
    case clientToken

    static let taskPrefix = "task:"
    static let servicePrefix = "service:"
    static let clientTokenKey = "client-token"

    /// Parses a stored key; `nil` for a key no worker owns.
    public init?(_ key: String) {
        if key.hasPrefix(Self.taskPrefix) {
            let arn = String(key.dropFirst(Self.taskPrefix.count))
            guard !arn.isEmpty else { return nil }
            self = .task(arn: arn)
        } else if key.hasPrefix(Self.servicePrefix) {
            // Cluster ARNs contain "/", service names never do: split at the last one.
            let rest = key.dropFirst(Self.servicePrefix.count)
            guard let slash = rest.lastIndex(of: "/") else { return nil }
            let cluster = String(rest[..<slash]), name = String(rest[rest.index(after: slash)...])
            guard !cluster.isEmpty, !name.isEmpty else { return nil }
            self = .service(MeshServiceRef(clusterArn: cluster, name: name))
        } else if key == Self.clientTokenKey {
            self = .clientToken
        } else {
            return nil
        }
    }

    /// The key as stored in the journal.
    public var rawValue: String {
        switch self {
        case .task(let arn): Self.taskPrefix + arn
        case .service(let service): Self.servicePrefix + service.clusterArn + "/" + service.name
        case .clientToken: Self.clientTokenKey
        }
    }

    public var description: String { rawValue }

    /// What an abbreviated key an operator typed can stand for: `task:<taskId>` for the key of the
    /// task with that ID in any cluster, `service:<name>` for the service's key in any cluster.
    /// Stored keys that start with `prefix` and end with `suffix` match; `nil` when `text` is no
    /// abbreviation.
    public static func abbreviation(_ text: String) -> (prefix: String, suffix: String)? {
        for prefix in [taskPrefix, servicePrefix] where text.hasPrefix(prefix) {
            let rest = text.dropFirst(prefix.count)
            guard !rest.isEmpty else { return nil }
            return (prefix, "/" + rest)
        }
        return nil
    }
}

/// One mesh service of one cluster: what a service token belongs to.
public struct MeshServiceRef: Sendable, Hashable, CustomStringConvertible {
    public var clusterArn: String
    /// The Consul service name.
    public var name: String

    public init(clusterArn: String, name: String) {
        self.clusterArn = clusterArn
        self.name = name
    }

    /// The work key of this service's token.
    public var workKey: String { WorkKey.service(self).rawValue }

    public var description: String { "\(name) (\(clusterArn))" }
}
