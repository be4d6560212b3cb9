public import Consul
import Logging
public import MeshModel

/// The idempotent core shared by the service and client tokens: IDs live in a secret before a token
/// is created with them (consul-ecs ACL controller, PR #46), so a crash between any two steps ends,
/// on the next attempt, with exactly one token whose IDs the secret holds.
struct TokenProvisioner: Sendable {
    let secrets: any TokenSecretStore
    let acl: any TokenACL

    /// The IDs stored in secret `name`, generating and storing them first if there are none:
    /// `CreateSecret` when the secret is missing, `PutSecretValue` when it exists without IDs.
    func ensureSecret(named name: String, logger: Logger) async throws(WorkerError) -> (arn: String, ids: TokenSecret) {
        for _ in 0..<2 {
            let stored = try await WorkerError.secretsManager.wrapping("GetSecretValue \(name)") {
                try await secrets.read(name: name, logger: logger)
            }
            if let stored, let ids = stored.ids {
                return (stored.arn, ids)
            }
            let fresh = TokenSecret.generate()
            if let stored {
                let arn = try await WorkerError.secretsManager.wrapping("PutSecretValue \(name)") {
                    try await secrets.put(secretID: stored.arn, ids: fresh, logger: logger)
                }
                logger.info("Stored new token IDs in an existing secret", metadata: [
                    "mesh.secret.name": .string(name), "mesh.token.accessor": .string(fresh.accessorID),
                ])
                return (arn, fresh)
            }
            let creation = try await WorkerError.secretsManager.wrapping("CreateSecret \(name)") {
                try await secrets.create(name: name, ids: fresh, logger: logger)
            }
            if case .created(let arn) = creation {
                logger.info("Created token secret", metadata: [
                    "mesh.secret.name": .string(name), "mesh.token.accessor": .string(fresh.accessorID),
                ])
                return (arn, fresh)
            }
            // Someone created it between our read and our create: read what they wrote.
        }
        throw WorkerError.secretConflict.with("secret \(name) keeps changing under concurrent writers")
    }

    /// Makes sure Consul holds `token` (read by accessor; created with the given IDs if missing).
    /// - Returns: Whether the token had to be created.
    /// - Throws: ``WorkerError/tokenMismatch`` when the accessor exists with another secret.
    @discardableResult
    func ensureToken(_ token: ACLToken, logger: Logger) async throws(WorkerError) -> Bool {
        let accessor = token.accessorID
        let existing = try await WorkerError.consulACL.wrapping("read token \(accessor)") {
            try await acl.token(accessorID: accessor, logger: logger)
        }
        if let existing {
            guard existing.secretID == token.secretID else {
                throw WorkerError.tokenMismatch.with(
                    "Consul token \(accessor) exists with a secret that differs from the one in Secrets Manager")
            }
            return false
        }
        try await WorkerError.consulACL.wrapping("create token \(accessor)") {
            try await acl.createToken(token, logger: logger)
        }
        logger.info("Created Consul token", metadata: ["mesh.token.accessor": .string(accessor)])
        return true
    }
}
