public import AsyncHTTPClient
import Foundation
public import Logging
import NIOCore
import NIOHTTP1

/// Credentials from the ECS container credentials endpoint (task role), as botocore fetches them:
/// `GET` with `Accept: application/json` and the optional `Authorization` token, a short timeout,
/// a few attempts, and the JSON document
/// `{"AccessKeyId", "SecretAccessKey", "Token", "Expiration", "RoleArn"}`.
///
/// It fetches on every call; wrap it in ``CachingCredentialProvider`` (``AWSCredentialChain`` does).
public struct ContainerCredentialProvider: AWSCredentialProvider {
    private let endpoint: Result<ContainerCredentialEndpoint?, any Error>
    private let httpClient: HTTPClient
    private let timeout: Duration
    private let attempts: Int
    private let retryDelay: Duration
    private let logger: Logger

    /// Creates a provider from the environment.
    /// - Parameters:
    ///   - environment: The process environment; see ``ContainerCredentialEndpoint``.
    ///   - httpClient: The shared client.
    ///   - timeout: Per-attempt timeout (botocore: 2 s).
    ///   - attempts: Attempts per fetch (botocore: 3).
    ///   - retryDelay: Pause between attempts (botocore: 1 s).
    ///   - logger: Receives debug lines about fetches; never a credential.
    public init(
        environment: [String: String], httpClient: HTTPClient, timeout: Duration = .seconds(2),
        attempts: Int = 3, retryDelay: Duration = .seconds(1), logger: Logger = AWSLogging.noop
    ) {
        self.endpoint = Result { try ContainerCredentialEndpoint.resolve(environment: environment) }
        self.httpClient = httpClient
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.retryDelay = retryDelay
        self.logger = logger
    }

    /// Creates a provider for an explicit endpoint.
    public init(
        endpoint: ContainerCredentialEndpoint, httpClient: HTTPClient, timeout: Duration = .seconds(2),
        attempts: Int = 3, retryDelay: Duration = .seconds(1), logger: Logger = AWSLogging.noop
    ) {
        self.endpoint = .success(endpoint)
        self.httpClient = httpClient
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.retryDelay = retryDelay
        self.logger = logger
    }

    /// Fetches fresh credentials.
    /// - Throws: ``AWSCredentialError`` (`.notConfigured` when no URI variable is set),
    ///   ``ConfigurationError`` for a disallowed endpoint.
    public func credentials() async throws -> AWSCredentials {
        guard let endpoint = try endpoint.get() else {
            throw AWSCredentialError(.notConfigured, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/FULL_URI not set")
        }
        var attempt = 1
        while true {
            do {
                return try await fetch(from: endpoint)
            } catch let error as AWSCredentialError where error.code == .endpointFailed && attempt < attempts {
                logger.debug("Container credentials fetch failed, retrying", metadata: [
                    "aws.credentials.attempt": "\(attempt)", "error.message": "\(error.message)",
                ])
                attempt += 1
                try await Task.sleep(for: retryDelay)
            }
        }
    }

    private func fetch(from endpoint: ContainerCredentialEndpoint) async throws -> AWSCredentials {
        var request = HTTPClientRequest(url: endpoint.url.absoluteString)
        request.method = .GET
        request.headers.add(name: "Accept", value: "application/json")
        if let token = try endpoint.authorizationHeader() {
            request.headers.add(name: "Authorization", value: token)
        }
        let status: UInt
        let body: ByteBuffer
        do {
            let response = try await httpClient.execute(request, timeout: TimeAmount(timeout))
            status = response.status.code
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw AWSCredentialError(.endpointFailed, "container credentials endpoint unreachable: \(type(of: error))")
        }
        let bytes = Data(body.readableBytesView)
        guard status == 200 else {
            let detail = try? JSONDecoder().decode(ErrorDocument.self, from: bytes)
            let reason = [detail?.code, detail?.message].compactMap { $0 }.joined(separator: ": ")
            throw AWSCredentialError(
                status >= 500 || status == 429 ? .endpointFailed : .invalidResponse,
                "container credentials endpoint answered \(status)" + (reason.isEmpty ? "" : " (\(reason))")
            )
        }
        guard let document = try? JSONDecoder().decode(CredentialsDocument.self, from: bytes),
              !document.AccessKeyId.isEmpty, !document.SecretAccessKey.isEmpty
        else {
            throw AWSCredentialError(.invalidResponse, "container credentials endpoint sent no credentials document")
        }
        let expiration = document.Expiration.flatMap(AWSTimestamp.parse(iso8601:))
        logger.debug("Container credentials fetched", metadata: [
            "aws.credentials.expiration": "\(expiration.map { "\($0)" } ?? "none")",
        ])
        return AWSCredentials(
            accessKeyID: document.AccessKeyId, secretAccessKey: document.SecretAccessKey,
            sessionToken: document.Token, expiration: expiration
        )
    }

    private struct CredentialsDocument: Decodable {
        var AccessKeyId: String
        var SecretAccessKey: String
        var Token: String?
        var Expiration: String?
    }

    private struct ErrorDocument: Decodable {
        var code: String?
        var message: String?
    }
}
