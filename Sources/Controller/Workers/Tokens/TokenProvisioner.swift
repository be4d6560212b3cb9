import Consul
import Logging
import MeshModel

/// The idempotent core shared by the service and client tokens: IDs live in a secret before a token
/// is created with them (consul-ecs ACL controller, PR #46), so a crash between any two steps ends,
/// on the next attempt, with exactly one token whose IDs the secret holds.
struct TokenProvisioner: Sendable {
    let secrets: any TokenSecretStore
    let acl: any TokenACL

    /// The IDs stored in secret `name`, generating and storing them first if there are none:
    /// `CreateSecret` when the secret is missing, `PutSecretValue` when it exists without IDs (the
    /// `{}` Terraform makes). When another writer stores IDs first, theirs are read and returned.
    func ensureSecret(named name: String, logger: Logger) async throws(WorkerError) -> (arn: String, ids: TokenSecret) {
        for _ in 0..<3 {
            let stored = try await WorkerError.secretsManager.wrapping("GetSecretValue \(name)") {
                try await secrets.read(name: name, logger: logger)
            }
            if let stored, let ids = stored.ids {
                return (stored.arn, ids)
            }
            let fresh = TokenSecret.generate()
            if let stored {
                let put = try await WorkerError.secretsManager.wrapping("PutSecretValue \(name)") {
                    try await secrets.put(secretID: stored.arn, ids: fresh, replacing: stored.versionID, logger: logger)
                }
                if case .stored(let arn) = put {
                    logger.info("Stored new token IDs in an existing secret", metadata: [
                        "mesh.secret.name": .string(name), "mesh.token.accessor": .string(fresh.accessorID),
                    ])
                    return (arn, fresh)
                }
                // Another writer filled the same version first: read what they wrote.
                continue
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

    /// Makes Consul hold a token under `accessorID`: reads it, asks `plan` for the token it must be
    /// and the ``TokenRepair`` that gets it there, and does that repair (nothing when the token is in
    /// place, so checking a right token writes nothing).
    /// - Returns: What was repaired.
    @discardableResult
    func ensureToken(accessorID accessor: String, logger: Logger,
                     plan: (ACLToken?) -> (token: ACLToken, repair: TokenRepair)) async throws(WorkerError) -> TokenRepair {
        let existing = try await WorkerError.consulACL.wrapping("read token \(accessor)") {
            try await acl.token(accessorID: accessor, logger: logger)
        }
        let (token, needed) = plan(existing)
        switch needed {
        case .none:
            return needed
        case .create:
            try await create(token, logger: logger)
            logger.info("Created Consul token", metadata: ["mesh.token.accessor": .string(accessor)])
        case .recreate:
            try await WorkerError.consulACL.wrapping("delete token \(accessor)") {
                try await acl.deleteToken(accessorID: accessor, logger: logger)
            }
            try await create(token, logger: logger)
            logger.notice("Consul token held another secret than Secrets Manager; created again with the secret's IDs",
                          metadata: ["mesh.token.accessor": .string(accessor)])
        case .update(let reasons):
            try await WorkerError.consulACL.wrapping("update token \(accessor)") {
                try await acl.updateToken(token, logger: logger)
            }
            logger.notice("Consul token drifted; updated in place with the same IDs", metadata: [
                "mesh.token.accessor": .string(accessor), "mesh.token.drift": .string(reasons.joined(separator: "; ")),
            ])
        }
        return needed
    }

    private func create(_ token: ACLToken, logger: Logger) async throws(WorkerError) {
        try await WorkerError.consulACL.wrapping("create token \(token.accessorID)") {
            try await acl.createToken(token, logger: logger)
        }
    }

    /// Makes sure policy `name` exists (created with `rules` if missing; an existing policy is kept).
    func ensurePolicy(name: String, description: String, rules: String, logger: Logger) async throws(WorkerError) {
        let existing = try await WorkerError.consulACL.wrapping("read policy \(name)") {
            try await acl.policy(named: name, logger: logger)
        }
        guard existing == nil else { return }
        do {
            try await acl.createPolicy(ACLPolicy(name: name, description: description, rules: rules), logger: logger)
            logger.info("Created Consul policy", metadata: ["mesh.policy.name": .string(name)])
        } catch {
            // Created meanwhile by someone else? Then it exists now, which is all we need.
            let now = try? await acl.policy(named: name, logger: logger)
            if now == nil { throw WorkerError.consulACL.with("create policy \(name)", underlying: error) }
        }
    }
}
