/// Settings of the mesh planners that an operator may change; the defaults follow consul-ecs.
public struct MeshPlanConfiguration: Sendable, Equatable {
    /// Default sidecar public listener port (consul-ecs `proxy.publicListenerPort`).
    public static let defaultProxyPort = 20000
    /// Default value of the `source` service meta. consul-ecs writes `consul-ecs`; ours differs so
    /// resync can tell which registrations this controller owns.
    public static let defaultSourceMeta = "ecs-mesh-controller"

    /// Port of the sidecar proxy's public listener, registered as the proxy service port.
    public var proxyPort: Int
    /// Value of the `source` meta on the service and proxy registrations.
    public var sourceMeta: String
    /// Where the sidecar reaches the application inside the task (`Proxy.LocalServiceAddress`).
    public var localServiceAddress: String
    /// Whether the proxy gets a check that mirrors the service's checks.
    ///
    /// Consul routes mesh traffic by the health of the *proxy* instance, not of the service it fronts,
    /// so without this check a critical service (or a stopping task) would keep receiving traffic.
    /// consul-ecs gets the same effect from its dataplane check, which it fails when any app
    /// container is unhealthy (facts §3).
    public var proxyMirrorsServiceHealth: Bool

    public init(
        proxyPort: Int = MeshPlanConfiguration.defaultProxyPort,
        sourceMeta: String = MeshPlanConfiguration.defaultSourceMeta,
        localServiceAddress: String = "127.0.0.1",
        proxyMirrorsServiceHealth: Bool = true
    ) {
        self.proxyPort = proxyPort
        self.sourceMeta = sourceMeta
        self.localServiceAddress = localServiceAddress
        self.proxyMirrorsServiceHealth = proxyMirrorsServiceHealth
    }
}
