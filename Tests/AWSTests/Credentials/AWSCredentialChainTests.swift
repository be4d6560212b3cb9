import AsyncHTTPClient
import AWS
import ErrorClassification
import Foundation
import Testing

/// The environment → container chain.
struct AWSCredentialChainTests {
    /// Environment keys win over a configured container endpoint, which is then never called.
    @Test func credentials_whenEnvironmentAndContainer_usesEnvironment() async throws {
        // Given
        let server = try await StubHTTPServer.start { _ in .json(200, ContainerCredentialProviderTests.document) }
        defer { Task { try? await server.shutdown() } }
        let chain = AWSCredentialChain(environment: [
            "AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "ENVSECRET",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "\(server.url)/creds",
        ], httpClient: .shared)

        // When
        let credentials = try await chain.credentials()

        // Then
        #expect(credentials.accessKeyID == "ENVKEY")
        #expect(server.requests.isEmpty)
    }

    /// Without environment keys the container endpoint is used, and cached until near expiry.
    @Test func credentials_whenOnlyContainer_fetchesAndCaches() async throws {
        // Given
        let clock = ManualClock(Date(timeIntervalSince1970: 1_803_535_411 - 3600))
        let server = try await StubHTTPServer.start { _ in .json(200, ContainerCredentialProviderTests.document) }
        defer { Task { try? await server.shutdown() } }
        let chain = AWSCredentialChain(
            environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "\(server.url)/creds"],
            httpClient: .shared, now: clock.closure
        )

        // When
        let first = try await chain.credentials()
        clock.advance(by: 60)
        _ = try await chain.credentials()
        let afterFirstTwo = server.requests.count
        clock.advance(by: 3600 - 60 - 300)
        _ = try await chain.credentials()

        // Then
        #expect(first.accessKeyID == "ASIAEXAMPLE")
        #expect(afterFirstTwo == 1)
        #expect(server.requests.count == 2)
    }

    /// With nothing configured the chain says so.
    @Test func credentials_whenNothingConfigured_throwsNotFound() async {
        // Given
        let chain = AWSCredentialChain(environment: [:], httpClient: .shared)

        // When
        let error = await #expect(throws: AWSCredentialError.self) { try await chain.credentials() }

        // Then
        #expect(error?.code == .notFound)
    }

    /// A disallowed container URI is an error, not a silent fallthrough.
    @Test func credentials_whenContainerURIDisallowed_throwsConfigurationError() async {
        // Given
        let chain = AWSCredentialChain(
            environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://example.com/creds"], httpClient: .shared
        )

        // When / Then
        await #expect(throws: ConfigurationError.self) { try await chain.credentials() }
    }
}
