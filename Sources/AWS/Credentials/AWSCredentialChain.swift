public import AsyncHTTPClient
public import Foundation
public import Logging

/// The credential chain the controller uses: environment variables, then the ECS container
/// credentials endpoint, cached and refreshed before expiry.
///
/// The first provider that is configured wins; its errors are not masked by later providers
/// (a task whose container endpoint fails must not silently fall back to other credentials).
///
/// ```swift
/// let chain = AWSCredentialChain(environment: ProcessInfo.processInfo.environment, httpClient: http)
/// let creds = try await chain.credentials()
/// ```
public struct AWSCredentialChain: AWSCredentialProvider {
    private let cache: CachingCredentialProvider

    /// Creates the standard chain.
    /// - Parameters:
    ///   - environment: The process environment (passed in; the library never reads it itself).
    ///   - httpClient: The shared client, used for the container endpoint.
    ///   - now: The clock for expiry decisions.
    ///   - logger: Receives debug/info lines; never a credential.
    public init(
        environment: [String: String], httpClient: HTTPClient,
        now: @escaping @Sendable () -> Date = { Date() }, logger: Logger = AWSLogging.noop
    ) {
        self.init(providers: [
            EnvironmentCredentialProvider(environment: environment),
            ContainerCredentialProvider(environment: environment, httpClient: httpClient, logger: logger),
        ], now: now, logger: logger)
    }

    /// Creates a chain over explicit providers, tried in order.
    public init(
        providers: [any AWSCredentialProvider], now: @escaping @Sendable () -> Date = { Date() },
        logger: Logger = AWSLogging.noop
    ) {
        self.cache = CachingCredentialProvider(wrapping: FirstConfigured(providers: providers), now: now, logger: logger)
    }

    public func credentials() async throws -> AWSCredentials {
        try await cache.credentials()
    }

    /// Forgets cached credentials so the next call fetches again.
    public func invalidate() async {
        await cache.invalidate()
    }

    /// Tries providers in order, skipping those that report `.notConfigured`.
    private struct FirstConfigured: AWSCredentialProvider {
        let providers: [any AWSCredentialProvider]

        func credentials() async throws -> AWSCredentials {
            for provider in providers {
                do {
                    return try await provider.credentials()
                } catch let error as AWSCredentialError where error.code == .notConfigured {
                    continue
                }
            }
            throw AWSCredentialError(
                .notFound,
                "no credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or run with an ECS task role"
            )
        }
    }
}
