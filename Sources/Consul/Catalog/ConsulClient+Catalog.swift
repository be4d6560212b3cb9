public import Logging
public import NIOCore
import NIOHTTP1

extension ConsulClient {
    /// Writes a node, service and checks in one call (`PUT /v1/catalog/register`).
    ///
    /// Idempotent: registering the same content again leaves the catalog as it was (Consul still bumps
    /// the index). A service token may only register its own service and proxy.
    /// - Throws: ``ConsulError``; ``ConsulError/Code/permissionDenied`` when the token may not write it.
    public func register(
        _ registration: CatalogRegistration, deadline: NIODeadline? = nil, logger: Logger
    ) async throws(ConsulError) {
        try await write(.PUT, path: "/v1/catalog/register", body: registration, deadline: deadline, logger: logger)
    }

    /// Removes a service, a check or a node (`PUT /v1/catalog/deregister`); removing what is gone succeeds.
    /// - Throws: ``ConsulError``.
    public func deregister(
        _ deregistration: CatalogDeregistration, deadline: NIODeadline? = nil, logger: Logger
    ) async throws(ConsulError) {
        try await write(.PUT, path: "/v1/catalog/deregister", body: deregistration, deadline: deadline, logger: logger)
    }

    /// Reads a node and its services (`GET /v1/catalog/node-services/:node`, Consul 1.7+).
    /// - Returns: the node's services, `nil` as value when the node does not exist, and the index.
    /// - Throws: ``ConsulError``.
    public func nodeServices(
        node: String, deadline: NIODeadline? = nil, logger: Logger
    ) async throws(ConsulError) -> ConsulRead<CatalogNodeServices?> {
        let answer = try await read(
            NodeServicesAnswer.self, path: ConsulPath.make("/v1/catalog/node-services", node),
            deadline: deadline, logger: logger)
        return ConsulRead(value: answer.value.nodeServices, index: answer.index)
    }
}
