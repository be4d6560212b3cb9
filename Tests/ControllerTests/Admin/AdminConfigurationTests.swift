import ErrorClassification
import Foundation
import HTTPServer
import Testing
@testable import Controller

struct AdminConfigurationTests {
    private static let base = ["MESH_WEBHOOK_API_KEY": "env-key-0123456789ab"]

    /// `MESH_ADMIN_TOKEN_FILE` is read and trimmed; the token never shows in the redacted summary.
    @Test func load_whenTokenFile_readsTrimmedToken() async throws {
        // Given
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("admin-token-\(UUID().uuidString)").path
        try "  file-admin-token-0123456789\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        // When
        let config = try await MeshConfiguration.load(filePath: nil, environment: Self.base.merging(["MESH_ADMIN_TOKEN_FILE": path]) { $1 })
        // Then
        #expect(config.admin.token == "file-admin-token-0123456789")
        #expect(config.redactedSummary["admin.token"] == "<redacted>")
    }

    /// `MESH_ADMIN_TOKEN` wins over the file; a short token is refused, naming the key.
    @Test func load_whenTokenTooShort_failsNamingKey() async throws {
        // When / Then
        let config = try await MeshConfiguration.load(filePath: nil, environment: Self.base.merging(["MESH_ADMIN_TOKEN": "env-admin-token-0123456789"]) { $1 })
        #expect(config.admin.token == "env-admin-token-0123456789")
        await #expect(throws: ConfigurationError.self) {
            _ = try await MeshConfiguration.load(filePath: nil, environment: Self.base.merging(["MESH_ADMIN_TOKEN": "short"]) { $1 })
        }
        await #expect(throws: ConfigurationError.self) {
            _ = try await MeshConfiguration.load(filePath: nil, environment: Self.base.merging(["MESH_ADMIN_TOKEN_FILE": "/nonexistent/admin-token"]) { $1 })
        }
    }

    /// The bearer scheme is case-insensitive; other schemes and missing headers are refused.
    @Test func isAuthorized_whenSchemesVary_acceptsOnlyBearerWithToken() {
        // Given
        let authenticator = AdminAuthenticator(token: "admin-token-0123456789")
        // Then
        #expect(authenticator.isAuthorized(["Authorization": "Bearer admin-token-0123456789"]))
        #expect(authenticator.isAuthorized(["authorization": "bearer admin-token-0123456789"]))
        #expect(!authenticator.isAuthorized(["Authorization": "Basic admin-token-0123456789"]))
        #expect(!authenticator.isAuthorized(["Authorization": "Bearer admin-token-012345678"]))
        #expect(!authenticator.isAuthorized([:]))
        #expect(!AdminAuthenticator(token: nil).isAuthorized(["Authorization": "Bearer "]))
    }
}
