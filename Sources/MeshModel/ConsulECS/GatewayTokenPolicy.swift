/// The ACL policy a gateway's token carries besides its service identity, named as consul-ecs's
/// controller names its gateway policies (facts §1.1: `consul-ecs-mesh-gateway-policy`, …).
///
/// The mesh-gateway rules are consul-ecs's (`mesh = "write"`, `peering = "read"`, for Consul ≥ 1.13)
/// plus read access to every service and node, which is what Consul 1.8 checks (1.8 accepts and
/// ignores the `mesh` and `peering` keys; the gateway's own `service:write` comes from its service
/// identity). Terminating and ingress gateways get the read rules; what a terminating gateway may
/// write for its linked services is for operators to add to the policy, as consul-ecs leaves its
/// terminating-gateway role empty for them.
public struct GatewayTokenPolicy: Sendable, Equatable {
    public var name: String
    public var description: String
    public var rules: String

    /// Read access to every service and node: what every gateway needs to route.
    public static let readRules = """
        service_prefix "" { policy = "read" }
        node_prefix "" { policy = "read" }
        """

    /// The policy of a gateway `kind`, or `nil` for `api-gateway` (not registered on Consul 1.8).
    public init?(kind: GatewayKind) {
        switch kind {
        case .meshGateway:
            self.init(name: "consul-ecs-mesh-gateway-policy", description: "Mesh Gateway token Policy",
                      rules: "mesh = \"write\"\npeering = \"read\"\n" + Self.readRules)
        case .terminatingGateway:
            self.init(name: "consul-ecs-terminating-gateway-policy", description: "Terminating Gateway token Policy",
                      rules: Self.readRules)
        case .ingressGateway:
            self.init(name: "consul-ecs-ingress-gateway-policy", description: "Ingress Gateway token Policy",
                      rules: Self.readRules)
        case .apiGateway:
            return nil
        }
    }

    public init(name: String, description: String, rules: String) {
        self.name = name
        self.description = description
        self.rules = rules
    }
}
