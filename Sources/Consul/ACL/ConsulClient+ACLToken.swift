public import Logging
public import NIOCore
import NIOHTTP1

extension ConsulClient {
    /// Reads a token by accessor ID (`GET /v1/acl/token/:accessor`).
    ///
    /// A missing token is 403 "ACL not found" in Consul 1.8 (consul-ecs's `isACLNotFoundError`); it
    /// gives `nil`, as does a 404.
    /// - Returns: the token with its secret, or `nil` when Consul does not know it.
    /// - Throws: ``ConsulError`` for any other failure (e.g. 500 for an accessor that is not a UUID).
    public func token(
        accessorID: String, deadline: NIODeadline? = nil, logger: Logger
    ) async throws(ConsulError) -> ACLToken? {
        do {
            return try await read(
                ACLToken.self, path: ConsulPath.make("/v1/acl/token", accessorID), deadline: deadline, logger: logger
            ).value
        } catch where error.isNotFound {
            return nil
        }
    }

    /// Creates a token (`PUT /v1/acl/token`), with the accessor and secret IDs given in `token` when set.
    ///
    /// Explicit IDs make creation repeatable: IDs saved first (in Secrets Manager) are the ones the token
    /// gets, whichever attempt succeeds. Creating an accessor ID that exists fails with 400 or 500 —
    /// read first.
    /// - Returns: the token as stored.
    /// - Throws: ``ConsulError``.
    public func createToken(
        _ token: ACLToken, deadline: NIODeadline? = nil, logger: Logger
    ) async throws(ConsulError) -> ACLToken {
        try await write(.PUT, path: "/v1/acl/token", body: token, returning: ACLToken.self, deadline: deadline, logger: logger)
    }

    /// Updates an existing token in place (`PUT /v1/acl/token/:accessor`): description, policies and
    /// identities as given in `token`. Its IDs never change (Consul refuses another SecretID).
    /// - Returns: the token as stored.
    /// - Throws: ``ConsulError``; 403 "ACL not found" when the accessor is unknown.
    public func updateToken(
        _ token: ACLToken, deadline: NIODeadline? = nil, logger: Logger
    ) async throws(ConsulError) -> ACLToken {
        try await write(.PUT, path: ConsulPath.make("/v1/acl/token", token.accessorID), body: token,
                        returning: ACLToken.self, deadline: deadline, logger: logger)
    }

    /// Deletes a token (`DELETE /v1/acl/token/:accessor`); deleting a missing token succeeds.
    /// - Throws: ``ConsulError``.
    public func deleteToken(
        accessorID: String, deadline: NIODeadline? = nil, logger: Logger
    ) async throws(ConsulError) {
        _ = try await send(
            .DELETE, path: ConsulPath.make("/v1/acl/token", accessorID), deadline: deadline, logger: logger)
    }

    /// Lists all tokens (`GET /v1/acl/tokens`); the entries carry no secrets.
    /// - Throws: ``ConsulError``.
    public func tokens(
        deadline: NIODeadline? = nil, logger: Logger
    ) async throws(ConsulError) -> ConsulRead<[ACLToken]> {
        try await read([ACLToken].self, path: "/v1/acl/tokens", deadline: deadline, logger: logger)
    }

    /// Reads the token this client sends (`GET /v1/acl/token/self`): proof that it authenticates.
    ///
    /// Use ``with(token:)`` to check another token: `consul.with(token: secret).tokenSelf(logger:)`.
    /// - Throws: ``ConsulError/Code/aclNotFound`` when Consul does not know the token.
    public func tokenSelf(deadline: NIODeadline? = nil, logger: Logger) async throws(ConsulError) -> ACLToken {
        try await read(ACLToken.self, path: "/v1/acl/token/self", deadline: deadline, logger: logger).value
    }
}
