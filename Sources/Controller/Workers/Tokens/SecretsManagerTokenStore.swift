public import AWS
import Foundation
public import Logging
public import MeshModel

/// ``TokenSecretStore`` over Secrets Manager.
///
/// Every write carries a deterministic `ClientRequestToken`, so that writes are idempotent without
/// ever overwriting IDs another writer stored (Secrets Manager keeps a token as the ID of the
/// version it created: the same token with the same value is ignored, with another value it fails
/// with `ResourceExistsException`; a new token always makes a new version):
/// - `CreateSecret` derives it from the name and the value: a retry is a no-op, and a secret of
///   that name made by anyone else answers `ResourceExistsException`.
/// - `PutSecretValue` derives it from the secret and the version the writer read (the `{}` that
///   Terraform made, say), not from the value. Two writers that read the same version send the same
///   token: the first one's IDs become a version, the second one's write fails, and that writer
///   reads the first one's IDs.
public struct SecretsManagerTokenStore: TokenSecretStore {
    private let client: SecretsManagerClient

    public init(client: SecretsManagerClient) {
        self.client = client
    }

    public func read(name: String, logger: Logger) async throws -> StoredTokenSecret? {
        let value: SecretValue
        do {
            value = try await client.getSecretValue(secretId: name, logger: logger)
        } catch let error as AWSError where error.isNotFound {
            return nil
        }
        return StoredTokenSecret(arn: value.arn, ids: value.secretString.flatMap(Self.decode), versionID: value.versionId)
    }

    public func create(name: String, ids: TokenSecret, logger: Logger) async throws -> SecretCreation {
        let json = try Self.encode(ids)
        do {
            let result = try await client.createSecret(
                name: name, secretString: json, clientRequestToken: ClientRequestToken.derived(from: name + "|" + json),
                description: "Consul ACL token IDs, written by ecs-mesh-controller", logger: logger
            )
            return .created(arn: result.arn)
        } catch let error as AWSError where error.isAlreadyExists {
            return .alreadyExists
        }
    }

    public func put(secretID: String, ids: TokenSecret, replacing version: String?, logger: Logger) async throws -> SecretPut {
        let json = try Self.encode(ids)
        // Without a version (not seen from Secrets Manager), the value names the write: still idempotent.
        let replaced = version.map { "version " + $0 } ?? json
        do {
            let result = try await client.putSecretValue(
                secretId: secretID, secretString: json,
                clientRequestToken: ClientRequestToken.derived(from: secretID + "|replaces|" + replaced), logger: logger
            )
            return .stored(arn: result.arn)
        } catch let error as AWSError where error.isAlreadyExists {
            return .superseded
        }
    }

    /// `{"accessor_id":"…","token":"…"}` with sorted keys, so equal IDs give equal bytes (and tokens).
    static func encode(_ ids: TokenSecret) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(ids), as: UTF8.self)
    }

    /// The IDs in a secret value, if both are UUIDs (what Consul accepts as explicit IDs).
    static func decode(_ text: String) -> TokenSecret? {
        guard let ids = try? JSONDecoder().decode(TokenSecret.self, from: Data(text.utf8)),
              UUID(uuidString: ids.accessorID) != nil, UUID(uuidString: ids.token) != nil else { return nil }
        return ids
    }
}
