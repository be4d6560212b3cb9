/// One upstream of a mesh task: a destination service reached through a local port of the sidecar.
///
/// Parsed from the `consul.hashicorp.com/upstreams` tag (`name:port`); becomes an entry of the
/// proxy's `Upstreams` in the catalog registration.
public struct MeshUpstream: Sendable, Hashable, Codable {
    /// The Consul service name of the destination.
    public var destinationName: String
    /// The port the sidecar listens on, on 127.0.0.1 inside the task, for this destination.
    public var localBindPort: Int

    public init(destinationName: String, localBindPort: Int) {
        self.destinationName = destinationName
        self.localBindPort = localBindPort
    }
}
