public import Logging
public import MeshModel

/// A token secret as Secrets Manager holds it: its ARN and, when its value is a usable
/// `{"accessor_id","token"}` document, the IDs (`nil` for `{}` as Terraform creates it, or junk).
public struct StoredTokenSecret: Sendable, Equatable {
    public var arn: String
    public var ids: TokenSecret?
    /// The version read (`AWSCURRENT`): a write that fills it in names it, so that of two writers
    /// that read the same version only the first one's IDs are stored.
    public var versionID: String?

    public init(arn: String, ids: TokenSecret?, versionID: String? = nil) {
        self.arn = arn
        self.ids = ids
        self.versionID = versionID
    }
}

/// What `CreateSecret` did.
public enum SecretCreation: Sendable, Equatable {
    /// The secret now exists with the given value; its ARN.
    case created(arn: String)
    /// A secret of that name already exists (made by someone else, or with other IDs).
    case alreadyExists
}

/// What `PutSecretValue` did.
public enum SecretPut: Sendable, Equatable {
    /// The IDs are now the secret's current value; its ARN.
    case stored(arn: String)
    /// Another writer already replaced the version this write replaces (with other IDs): read again.
    case superseded
}

/// Where service token IDs are kept; the token worker's seam (``SecretsManagerTokenStore`` in
/// production). Implementations must make writes idempotent (Secrets Manager's ClientRequestToken).
public protocol TokenSecretStore: Sendable {
    /// The secret named `name`, or `nil` when it does not exist.
    func read(name: String, logger: Logger) async throws -> StoredTokenSecret?
    /// Creates the secret `name` holding `ids`.
    func create(name: String, ids: TokenSecret, logger: Logger) async throws -> SecretCreation
    /// Stores `ids` as the current value of the existing secret `secretID` (name or ARN), replacing
    /// its version `replacing` (as read). Repeating the same write succeeds; a write that replaces a
    /// version another writer already replaced is ``SecretPut/superseded``.
    func put(secretID: String, ids: TokenSecret, replacing version: String?, logger: Logger) async throws -> SecretPut
}
