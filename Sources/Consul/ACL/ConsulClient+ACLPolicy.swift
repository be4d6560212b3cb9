public import Logging
public import NIOCore
import NIOHTTP1

extension ConsulClient {
    /// Reads a policy by name (`GET /v1/acl/policy/name/:name`).
    ///
    /// Consul 1.8 answers a missing policy with 403 "ACL not found" — the same answer as for an unknown
    /// caller token; both give `nil` here (as consul-ecs treats them), and a create that follows then
    /// fails loudly if the caller's token is the problem.
    /// - Returns: the policy, or `nil` when Consul does not know it.
    /// - Throws: ``ConsulError`` for any other failure.
    public func policy(
        named name: String, deadline: NIODeadline? = nil, logger: Logger
    ) async throws(ConsulError) -> ACLPolicy? {
        do {
            return try await read(
                ACLPolicy.self, path: ConsulPath.make("/v1/acl/policy/name", name), deadline: deadline, logger: logger
            ).value
        } catch where error.isNotFound {
            return nil
        }
    }

    /// Creates a policy (`PUT /v1/acl/policy`).
    /// - Returns: the policy as stored, with its ID.
    /// - Throws: ``ConsulError``; ``ConsulError/Code/badRequest`` when the name exists or the rules do not parse.
    public func createPolicy(
        _ policy: ACLPolicy, deadline: NIODeadline? = nil, logger: Logger
    ) async throws(ConsulError) -> ACLPolicy {
        var body = policy
        body.id = nil
        return try await write(
            .PUT, path: "/v1/acl/policy", body: body, returning: ACLPolicy.self, deadline: deadline, logger: logger)
    }

    /// Deletes a policy by ID (`DELETE /v1/acl/policy/:id`); Consul 1.8 has no delete by name.
    /// - Throws: ``ConsulError``.
    public func deletePolicy(
        id: String, deadline: NIODeadline? = nil, logger: Logger
    ) async throws(ConsulError) {
        _ = try await send(.DELETE, path: ConsulPath.make("/v1/acl/policy", id), deadline: deadline, logger: logger)
    }
}
