import Foundation
import Logging
import MeshTestSupport
import PostgresNIO
import PostgresSupport
import Testing

/// The factory's clients against the stack's real PostgreSQL 15 (scram-sha-256, no TLS); with the
/// integration servers on, a missing URL fails these tests instead of skipping them.
@Suite(.enabled(if: PostgresTestSchema.isEnabled))
struct PostgresClientFactoryTests {
    private static let logger = Logger(label: "postgres-support-test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// The URL's role logs in with its password given apart from the URL (as from a file).
    @Test func withClient_whenPasswordGivenApart_logsIn() async throws {
        // Given
        let url = try #require(PostgresTestSchema.url)
        let full = try PostgresConnectionSettings(url: url)
        var withoutPassword = full
        withoutPassword.password = nil
        let settings = try PostgresConnectionSettings(url: withoutPassword.description.replacingOccurrences(of: ":***", with: ""),
                                                      password: full.password)
        // When
        let user = try await PostgresClientFactory.withClient(settings, logger: Self.logger) { client in
            try await client.query("SELECT current_user::text", logger: Self.logger).collect().first?.decode(String.self)
        }
        // Then
        #expect(user == full.username)
    }

    /// A wrong password is refused by the server (scram), and the error does not hold it.
    @Test func withClient_whenPasswordWrong_fails() async throws {
        // Given
        var settings = try PostgresConnectionSettings(url: try #require(PostgresTestSchema.url))
        settings.password = "wrong-\(UUID().uuidString)"
        settings.connectTimeoutSeconds = 5
        // When
        let error = await #expect(throws: (any Error).self) {
            let connection = try await PostgresClientFactory.connect(settings, logger: Self.logger)
            try? await connection.close()
        }
        // Then: the server refused the login (invalid_password), and nothing printed holds the password
        #expect((error as? PSQLError)?.serverInfo?[.sqlState] == "28P01")
        #expect(String(reflecting: error).contains(settings.password ?? "") == false)
    }

    /// `sslmode=require` refuses a server without TLS instead of falling back to plain text; `prefer`
    /// falls back. (One connection, not a pool: a pool retries a refused login until its request times out.)
    @Test func withClient_whenTLSRequiredButAbsent_failsWhilePreferConnects() async throws {
        // Given
        var settings = try PostgresConnectionSettings(url: try #require(PostgresTestSchema.url))
        settings.sslMode = .require
        // When / Then
        let refused = await #expect(throws: (any Error).self) {
            let connection = try await PostgresClientFactory.connect(settings, logger: Self.logger)
            try? await connection.close()
        }
        #expect((refused as? PSQLError)?.code == .sslUnsupported)
        settings.sslMode = .prefer
        let rows = try await PostgresClientFactory.withClient(settings, logger: Self.logger) { client in
            try await client.query("SELECT 1", logger: Self.logger).collect().count
        }
        #expect(rows == 1)
    }
}
