public import AsyncHTTPClient
public import Foundation
public import Logging

/// The Secrets Manager operations the controller needs, over ``AWSJSONClient``.
///
/// Every write carries a caller-chosen `ClientRequestToken` (see ``ClientRequestToken/derived(from:)``),
/// so retries and replays are idempotent. Not-found is an ``AWSError`` with
/// ``AWSError/isNotFound`` (keyed on the code: moto answers 404, AWS 400).
///
/// ```swift
/// let secrets = SecretsManagerClient(client: http, endpoint: endpoints.secretsManager,
///                                    region: endpoints.region, credentials: chain, logger: logger)
/// do {
///     let value = try await secrets.getSecretValue(secretId: "mesh-web")
/// } catch let error as AWSError where error.isNotFound {
///     // create it
/// }
/// ```
public struct SecretsManagerClient: Sendable {
    /// The underlying transport (exposed for operations this type does not wrap).
    public let transport: AWSJSONClient

    /// Creates a client.
    /// - Parameters:
    ///   - client: The shared HTTP client.
    ///   - endpoint: The Secrets Manager endpoint (``AWSEndpoints/secretsManager``).
    ///   - region: The signing region.
    ///   - credentials: The credential provider (``AWSCredentialChain``).
    ///   - configuration: Timeouts and retries.
    ///   - logger: The default logger; never receives secret values.
    public init(
        client: HTTPClient, endpoint: URL, region: String, credentials: any AWSCredentialProvider,
        configuration: AWSJSONClient.Configuration = AWSJSONClient.Configuration(), logger: Logger = AWSLogging.noop
    ) {
        self.transport = AWSJSONClient(
            httpClient: client, service: .secretsManager(endpoint: endpoint, region: region),
            credentials: credentials, configuration: configuration, logger: logger
        )
    }

    /// Creates a secret with its first version.
    /// - Parameters:
    ///   - name: The secret name.
    ///   - secretString: The value; never logged.
    ///   - clientRequestToken: 32–64 characters; becomes the version ID. Same token + same value is a
    ///     no-op success; same token + other value fails with `ResourceExistsException`.
    ///   - description: Optional description.
    ///   - tags: Optional tags.
    ///   - deadline: Give up after this instant (retries included).
    ///   - logger: Logger for this call.
    /// - Returns: The ARN, name and version ID.
    /// - Throws: ``AWSError`` (`ResourceExistsException` when the name is taken with another token).
    public func createSecret(
        name: String, secretString: String, clientRequestToken: String, description: String? = nil,
        tags: [String: String] = [:], deadline: ContinuousClock.Instant? = nil, logger: Logger? = nil
    ) async throws -> SecretVersionResult {
        try validate(clientRequestToken, operation: "CreateSecret")
        let request = CreateSecretRequest(
            Name: name, SecretString: secretString, ClientRequestToken: clientRequestToken, Description: description,
            Tags: tags.isEmpty ? nil : tags.sorted { $0.key < $1.key }.map { .init(Key: $0.key, Value: $0.value) }
        )
        return try await transport.send("CreateSecret", input: request, deadline: deadline, logger: logger)
    }

    /// Stores a new version of an existing secret and stages it `AWSCURRENT`.
    /// - Parameters:
    ///   - secretId: Name or ARN.
    ///   - secretString: The value; never logged.
    ///   - clientRequestToken: 32–64 characters; see ``createSecret(name:secretString:clientRequestToken:description:tags:deadline:logger:)``.
    /// - Throws: ``AWSError`` (`ResourceNotFoundException`, `ResourceExistsException`).
    public func putSecretValue(
        secretId: String, secretString: String, clientRequestToken: String,
        deadline: ContinuousClock.Instant? = nil, logger: Logger? = nil
    ) async throws -> SecretVersionResult {
        try validate(clientRequestToken, operation: "PutSecretValue")
        let request = PutSecretValueRequest(SecretId: secretId, SecretString: secretString, ClientRequestToken: clientRequestToken)
        return try await transport.send("PutSecretValue", input: request, deadline: deadline, logger: logger)
    }

    /// Reads a secret's value (the `AWSCURRENT` version unless `versionId`/`versionStage` is given).
    /// - Throws: ``AWSError``; ``AWSError/isNotFound`` when the secret does not exist.
    public func getSecretValue(
        secretId: String, versionId: String? = nil, versionStage: String? = nil,
        deadline: ContinuousClock.Instant? = nil, logger: Logger? = nil
    ) async throws -> SecretValue {
        let request = SecretIdRequest(SecretId: secretId, VersionId: versionId, VersionStage: versionStage)
        return try await transport.send("GetSecretValue", input: request, deadline: deadline, logger: logger)
    }

    /// Reads a secret's metadata (tags, versions, deletion date); no value.
    /// - Throws: ``AWSError``; ``AWSError/isNotFound`` when the secret does not exist.
    public func describeSecret(
        secretId: String, deadline: ContinuousClock.Instant? = nil, logger: Logger? = nil
    ) async throws -> SecretDescription {
        try await transport.send("DescribeSecret", input: SecretIdRequest(SecretId: secretId), deadline: deadline, logger: logger)
    }

    private func validate(_ token: String, operation: String) throws {
        guard ClientRequestToken.isValid(token) else {
            throw AWSError(
                code: AWSError.invalidParameterCode, message: "ClientRequestToken must be 32-64 characters long.",
                operation: operation
            )
        }
    }
}
