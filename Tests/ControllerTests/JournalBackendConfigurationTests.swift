import ErrorClassification
import Foundation
import PostgresSupport
import Testing
@testable import Controller

/// `journal.backend` and the PostgreSQL keys: defaults, the password's three sources, and errors
/// that name the key and never show the password.
struct JournalBackendConfigurationTests {
    private static let base = ["MESH_WEBHOOK_API_KEY": "env-key-0123456789ab"]

    private static func load(_ environment: [String: String]) async throws(ConfigurationError) -> MeshConfiguration {
        try await MeshConfiguration.load(filePath: nil, environment: base.merging(environment) { $1 })
    }

    /// SQLite stays the default, and the summary says PostgreSQL is unused.
    @Test func load_whenNothingSet_usesSQLite() async throws {
        let config = try await Self.load([:])
        #expect(config.journal.backend == .sqlite)
        #expect(config.redactedSummary["journal.postgres"] == "unused")
    }

    /// The password file is read and trimmed; the summary shows the URL with the password redacted.
    @Test func load_whenPostgresWithPasswordFile_readsItAndRedacts() async throws {
        // Given
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pg-password-\(UUID().uuidString)").path
        try "  s3cret-from-file\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        // When
        let config = try await Self.load([
            "MESH_JOURNAL_BACKEND": "postgres",
            "MESH_JOURNAL_POSTGRES_URL": "postgres://mesh@db.internal/mesh?sslmode=verify-full",
            "MESH_JOURNAL_POSTGRES_PASSWORD_FILE": path,
        ])
        // Then
        let settings = try config.journal.postgres.connectionSettings()
        #expect(config.journal.backend == .postgres)
        #expect(settings.password == "s3cret-from-file")
        #expect(settings.sslMode == .verifyFull)
        #expect(config.redactedSummary["journal.postgres"] == "postgres://mesh:***@db.internal:5432/mesh?sslmode=verify-full")
        #expect(!config.redactedSummary.values.contains { $0.contains("s3cret") })
    }

    /// The controller's sessions end a transaction left idle for half a lease, so a leader paused
    /// inside a fenced write releases the lease row before its lease runs out.
    @Test func postgresConnectionSettings_whenLeaseSet_limitIdleTransactionsToHalfOfIt() async throws {
        // When
        let config = try await Self.load([
            "MESH_JOURNAL_BACKEND": "postgres",
            "MESH_JOURNAL_POSTGRES_URL": "postgres://mesh:pw@db.internal/mesh",
            "MESH_HA_LEASE_SECONDS": "6",
        ])
        // Then
        #expect(try config.postgresConnectionSettings().idleInTransactionTimeout == .seconds(3))
        #expect(try config.journal.postgres.connectionSettings().idleInTransactionTimeout == nil)
    }

    /// Each mistake names its key; none of the messages holds the password.
    @Test(arguments: [
        (["MESH_JOURNAL_BACKEND": "mysql"], "journal.backend"),
        (["MESH_JOURNAL_BACKEND": "postgres"], "journal.postgres.url"),
        (["MESH_JOURNAL_BACKEND": "postgres", "MESH_JOURNAL_POSTGRES_URL": "postgres://mesh:s3cret@db/mesh?sslmode=bogus"],
         "journal.postgres.url"),
        (["MESH_JOURNAL_BACKEND": "postgres", "MESH_JOURNAL_POSTGRES_URL": "postgres://mesh:s3cret@db/mesh",
          "MESH_JOURNAL_POSTGRES_PASSWORD": "s3cret"], "journal.postgres.url"),
        (["MESH_JOURNAL_BACKEND": "postgres", "MESH_JOURNAL_POSTGRES_URL": "postgres://mesh@db/mesh",
          "MESH_JOURNAL_POSTGRES_PASSWORD": "s3cret", "MESH_JOURNAL_POSTGRES_PASSWORD_FILE": "/nonexistent"],
         "journal.postgres.passwordFile"),
        (["MESH_JOURNAL_BACKEND": "postgres", "MESH_JOURNAL_POSTGRES_URL": "postgres://mesh@db/mesh",
          "MESH_JOURNAL_POSTGRES_PASSWORD_FILE": "/nonexistent/pg-password"], "journal.postgres.passwordFile"),
        (["MESH_JOURNAL_BACKEND": "postgres",
          "MESH_JOURNAL_POSTGRES_URL": "postgres://mesh@db/mesh?sslmode=verify-ca&sslrootcert=/nonexistent/ca.pem"],
         "journal.postgres.url"),
        (["MESH_JOURNAL_POSTGRES_URL": "postgres://mesh@db/mesh"], "journal.backend"),
    ])
    func load_whenMisconfigured_namesTheKey(environment: [String: String], key: String) async {
        let error = await #expect(throws: ConfigurationError.self) { try await Self.load(environment) }
        #expect(error?.key == key)
        #expect(error?.description.contains("s3cret") == false)
    }
}
