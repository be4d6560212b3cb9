public import Consul
public import Logging
import MeshModel
import NIOCore

/// What `explain` reads of Consul when an operator asks: the services on a cluster's synthetic
/// node now, so that the registration sentence says what Consul holds, not only what the journal
/// recorded.
public protocol AdminCatalogReading: Sendable {
    /// The IDs of the services registered on `node` now; empty when the node does not exist.
    /// - Throws: When Consul cannot be read (down, slow past the read's deadline, refusing the token).
    func serviceIDs(onNode node: String, logger: Logger) async throws -> Set<String>
}

/// ``AdminCatalogReading`` over Consul's catalog (`GET /v1/catalog/node-services/{node}`), with
/// the controller's own Consul client and token.
public struct ConsulAdminCatalog: AdminCatalogReading {
    /// How long `explain` waits for Consul: an operator waits for the answer, and when Consul is
    /// slow the journal's record is given instead, saying so. Well inside the admin listener's
    /// reply deadline (`server.replyDeadlineSeconds`, 4 s by default).
    static let readTimeout: TimeAmount = .seconds(2)

    private let consul: ConsulClient

    public init(consul: ConsulClient) {
        self.consul = consul
    }

    public func serviceIDs(onNode node: String, logger: Logger) async throws -> Set<String> {
        let read = try await consul.nodeServices(node: node, deadline: .now() + Self.readTimeout, logger: logger)
        return Set(read.value?.services.map(\.id) ?? [])
    }
}

/// What Consul's catalog held of a task's registrations when `explain` read it.
enum ConsulRegistrationView: Sendable, Equatable {
    /// Consul answered: whether the task's service, and its sidecar proxy (`nil` for a gateway,
    /// which has none), are on the node.
    case read(service: Bool, proxy: Bool?)
    /// Consul could not be read; the error, without secrets.
    case unreadable(String)
    /// This controller does not read Consul (no workers run, so no Consul client is configured).
    case notRead

    /// Whether Consul lists everything the task registers (its service, and its proxy if it has one);
    /// `nil` when Consul was not read.
    var complete: Bool? {
        guard case .read(let service, let proxy) = self else { return nil }
        return service && proxy != false
    }
}
