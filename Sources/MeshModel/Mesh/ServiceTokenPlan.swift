/// The Consul token and Secrets Manager secret of one mesh service (one token per service, shared by
/// its tasks), named as the consul-ecs ACL controller of v0.2–v0.3 names them (facts §1.3).
///
/// The token worker reads the secret, generates ``TokenSecret`` IDs if it holds none, writes them
/// to the secret first, then creates the token with exactly those IDs. Every step can be repeated.
public struct ServiceTokenPlan: Sendable, Equatable {
    /// The Consul service name.
    public var serviceName: String
    /// The ECS cluster the token belongs to; recorded in the token description.
    public var clusterArn: String
    /// `<prefix>-<service>`.
    public var secretName: String
    /// `Token for <svc> service\nconsul.hashicorp.com/cluster: <clusterArn>`.
    public var tokenDescription: String
    /// The `ServiceIdentities[0].ServiceName` of the token (the service itself).
    public var serviceIdentityName: String

    /// - Parameters:
    ///   - serviceName: A valid Consul service name (from ``MeshTags/serviceName(family:)``).
    ///   - clusterArn: The cluster whose tasks use the token.
    ///   - secretNamePrefix: The configured secret-name prefix.
    public init(serviceName: String, clusterArn: String, secretNamePrefix: String) {
        self.serviceName = serviceName
        self.clusterArn = clusterArn
        self.secretName = MeshNames.serviceSecretName(prefix: secretNamePrefix, service: serviceName)
        self.tokenDescription = "Token for \(serviceName) service\n" + Self.clusterMarker(clusterArn: clusterArn)
        self.serviceIdentityName = serviceName
    }

    /// `consul.hashicorp.com/cluster: <clusterArn>`: the line that marks a token as belonging to a
    /// cluster (consul-ecs lists tokens and keeps those whose description contains it).
    public static func clusterMarker(clusterArn: String) -> String {
        "consul.hashicorp.com/cluster: \(clusterArn)"
    }

    /// The service a token description names, if it is the description of a service token of
    /// `clusterArn` (as this type or the consul-ecs controller writes it); `nil` otherwise.
    public static func serviceName(fromTokenDescription description: String, clusterArn: String) -> String? {
        let lines = description.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 2, lines[1] == clusterMarker(clusterArn: clusterArn) else { return nil }
        let first = lines[0]
        let prefix = "Token for ", suffix = " service"
        guard first.hasPrefix(prefix), first.hasSuffix(suffix),
              first.count > prefix.count + suffix.count else { return nil }
        return String(first.dropFirst(prefix.count).dropLast(suffix.count))
    }
}
