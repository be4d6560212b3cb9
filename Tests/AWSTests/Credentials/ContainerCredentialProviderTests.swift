import AsyncHTTPClient
import AWS
import Foundation
import InMemoryLogging
import NIOHTTP1
import Testing

/// The container credentials provider against a local stub of the ECS endpoint.
struct ContainerCredentialProviderTests {
    static let document = #"""
    {"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"secret-from-stub","Token":"token-from-stub",
     "Expiration":"2027-02-25T06:03:31Z","RoleArn":"arn:aws:iam::123456789012:role/task"}
    """#

    /// The provider GETs the full URI with Accept JSON and the inline token, and parses the document.
    @Test func credentials_whenStubServesDocument_parsesIt() async throws {
        // Given
        let server = try await StubHTTPServer.start { _ in .json(200, Self.document) }
        defer { Task { try? await server.shutdown() } }
        let provider = ContainerCredentialProvider(
            environment: [
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": "\(server.url)/v1/credentials",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Bearer inline-token",
            ],
            httpClient: .shared
        )

        // When
        let credentials = try await provider.credentials()

        // Then
        #expect(credentials.accessKeyID == "ASIAEXAMPLE")
        #expect(credentials.secretAccessKey == "secret-from-stub")
        #expect(credentials.sessionToken == "token-from-stub")
        #expect(credentials.expiration == Date(timeIntervalSince1970: 1_803_535_411))
        let request = try #require(server.requests.first)
        #expect(request.method == .GET)
        #expect(request.uri == "/v1/credentials")
        #expect(request.headers["Accept"] == ["application/json"])
        #expect(request.headers["Authorization"] == ["Bearer inline-token"])
    }

    /// The token file is read on every fetch, so a rotated token is picked up.
    @Test func credentials_whenTokenFileRotates_sendsCurrentContents() async throws {
        // Given
        let server = try await StubHTTPServer.start { _ in .json(200, Self.document) }
        defer { Task { try? await server.shutdown() } }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("aws-token-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data("first-token".utf8).write(to: file)
        let provider = ContainerCredentialProvider(
            environment: [
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": "\(server.url)/creds",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": file.path,
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": "ignored",
            ],
            httpClient: .shared
        )

        // When
        _ = try await provider.credentials()
        try Data("second-token".utf8).write(to: file)
        _ = try await provider.credentials()

        // Then
        #expect(server.requests.map { $0.headers["Authorization"] } == [["first-token"], ["second-token"]])
    }

    /// A token file containing a line break is refused before any request is sent.
    @Test func credentials_whenTokenFileHasNewline_throwsWithoutRequest() async throws {
        // Given
        let server = try await StubHTTPServer.start { _ in .json(200, Self.document) }
        defer { Task { try? await server.shutdown() } }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("aws-token-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data("token\n".utf8).write(to: file)
        let provider = ContainerCredentialProvider(
            environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "\(server.url)/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": file.path],
            httpClient: .shared
        )

        // When
        let error = await #expect(throws: AWSCredentialError.self) { try await provider.credentials() }

        // Then
        #expect(error?.code == .invalidConfiguration)
        #expect(server.requests.isEmpty)
    }

    /// A 5xx is retried; the next success is returned.
    @Test func credentials_whenFirstAttemptFails_retriesAndSucceeds() async throws {
        // Given
        let server = try await StubHTTPServer.sequence([
            .json(500, #"{"code":"InternalError","message":"try again"}"#), .json(200, Self.document),
        ])
        defer { Task { try? await server.shutdown() } }
        let provider = ContainerCredentialProvider(
            environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "\(server.url)/creds"],
            httpClient: .shared, retryDelay: .milliseconds(1)
        )

        // When
        let credentials = try await provider.credentials()

        // Then
        #expect(credentials.accessKeyID == "ASIAEXAMPLE")
        #expect(server.requests.count == 2)
    }

    /// A 4xx with an error document fails with its code and message, without retrying.
    @Test func credentials_whenEndpointRejects_throwsWithCode() async throws {
        // Given
        let server = try await StubHTTPServer.start { _ in .json(403, #"{"code":"AccessDenied","message":"bad token"}"#) }
        defer { Task { try? await server.shutdown() } }
        let provider = ContainerCredentialProvider(
            environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "\(server.url)/creds"],
            httpClient: .shared, retryDelay: .milliseconds(1)
        )

        // When
        let error = await #expect(throws: AWSCredentialError.self) { try await provider.credentials() }

        // Then
        #expect(error?.message.contains("403") == true)
        #expect(error?.message.contains("AccessDenied") == true)
        #expect(server.requests.count == 1)
    }

    /// Fetches log nothing secret.
    @Test func credentials_whenLogging_neverLogsSecrets() async throws {
        // Given
        let server = try await StubHTTPServer.start { _ in .json(200, Self.document) }
        defer { Task { try? await server.shutdown() } }
        let (logger, logs) = makeCapturingLogger()
        let provider = ContainerCredentialProvider(
            environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "\(server.url)/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "auth-secret"],
            httpClient: .shared, logger: logger
        )

        // When
        _ = try await provider.credentials()

        // Then
        let text = renderedLog(logs)
        #expect(!logs.entries.isEmpty)
        for secret in ["secret-from-stub", "token-from-stub", "auth-secret"] {
            #expect(!text.contains(secret))
        }
    }
}
