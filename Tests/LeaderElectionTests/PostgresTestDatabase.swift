import Foundation
import Logging
import PostgresLeaderElection
import PostgresNIO

/// The real PostgreSQL the integration stack runs (`MESH_TEST_POSTGRES_URL`), one fresh schema per
/// test so that tests in parallel each have their own lease row.
///
/// Enabled with the integration servers (`MESH_INTEGRATION=1`, where a missing URL fails the test
/// rather than skipping it) or whenever the URL is set.
enum PostgresTestDatabase {
    static var url: String? { ProcessInfo.processInfo.environment["MESH_TEST_POSTGRES_URL"] }
    static var isEnabled: Bool { url != nil || ProcessInfo.processInfo.environment["MESH_INTEGRATION"] == "1" }

    /// Runs `body` with a running client whose `search_path` is a new schema, and a store prepared in it.
    static func withStore<T: Sendable>(
        _ body: @Sendable (PostgresLeaseStore, PostgresClient) async throws -> T
    ) async throws -> T {
        let schema = "lease_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        let admin = try client(searchPath: nil)
        let scoped = try client(searchPath: schema)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await admin.run() }
            group.addTask { await scoped.run() }
            defer { group.cancelAll() }
            try await admin.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema)"))
            let store = PostgresLeaseStore(client: scoped, logger: Logger(label: "lease-test"))
            try await store.prepare()
            return try await body(store, scoped)
        }
    }

    /// A client for the test URL (`postgres://user:password@host:port/database`).
    static func client(searchPath: String?) throws -> PostgresClient {
        guard let url, let parts = URLComponents(string: url), let host = parts.host, let user = parts.user else {
            throw PostgresTestDatabaseError.badURL
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: parts.port ?? 5432, username: user, password: parts.password,
            database: String(parts.path.dropFirst()), tls: .disable)
        if let searchPath { configuration.options.additionalStartupParameters = [("search_path", searchPath)] }
        configuration.options.maximumConnections = 4
        return PostgresClient(configuration: configuration, backgroundLogger: Logger(label: "pg-test"))
    }
}

enum PostgresTestDatabaseError: Error { case badURL }
