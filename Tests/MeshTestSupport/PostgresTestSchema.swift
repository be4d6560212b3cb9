import Foundation
import Logging
public import PostgresNIO

/// The real PostgreSQL of the integration stack (`MESH_TEST_POSTGRES_URL`), one fresh schema per
/// test so that tests in parallel never share a table.
///
/// Enabled with the integration servers (`MESH_INTEGRATION=1`, where a missing URL fails the test
/// rather than skipping it) or whenever the URL is set.
public enum PostgresTestSchema {
    public static var url: String? { ProcessInfo.processInfo.environment["MESH_TEST_POSTGRES_URL"] }
    public static var isEnabled: Bool { url != nil || ProcessInfo.processInfo.environment["MESH_INTEGRATION"] == "1" }

    /// Creates a new schema and returns a client configuration whose `search_path` is that schema.
    public static func make() async throws -> PostgresClient.Configuration {
        let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        let admin = PostgresClient(configuration: try configuration(), backgroundLogger: Logger(label: "pg-test"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await admin.run() }
            defer { group.cancelAll() }
            try await admin.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema)"))
        }
        var scoped = try configuration()
        scoped.options.additionalStartupParameters = [("search_path", schema)]
        return scoped
    }

    /// Drops the schema a configuration from ``make()`` names, with everything in it.
    public static func drop(_ scoped: PostgresClient.Configuration) async throws {
        guard let schema = scoped.options.additionalStartupParameters.first(where: { $0.0 == "search_path" })?.1,
              schema.hasPrefix("t_"), schema.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return }
        let admin = PostgresClient(configuration: try configuration(), backgroundLogger: Logger(label: "pg-test"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await admin.run() }
            defer { group.cancelAll() }
            try await admin.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"))
        }
    }

    /// A configuration for the test URL (`postgres://user:password@host:port/database`), TLS off.
    public static func configuration() throws -> PostgresClient.Configuration {
        guard let url, let parts = URLComponents(string: url), let host = parts.host, let user = parts.user else {
            throw PostgresTestSchemaError()
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: parts.port ?? 5432, username: user, password: parts.password,
            database: String(parts.path.dropFirst()), tls: .disable)
        configuration.options.maximumConnections = 4
        return configuration
    }
}

/// `MESH_TEST_POSTGRES_URL` is missing or not a postgres URL.
public struct PostgresTestSchemaError: Error, CustomStringConvertible {
    public var description: String { "MESH_TEST_POSTGRES_URL is not set to postgres://user:password@host:port/db" }
}

extension PostgresTestSchema {
    /// A new, empty database on the stack's server, owned by the test URL's role, for controller
    /// processes that need a database of their own (`journal.postgres.url` takes no schema).
    /// - Returns: Its URL (the test URL with the database replaced) and a drop to call at the end.
    public static func makeDatabase() async throws -> (url: String, drop: @Sendable () async -> Void) {
        guard let url, var parts = URLComponents(string: url), let owner = parts.user,
              let adminURL = ProcessInfo.processInfo.environment["MESH_TEST_POSTGRES_ADMIN_URL"],
              let adminParts = URLComponents(string: adminURL), let host = adminParts.host, let user = adminParts.user
        else { throw PostgresTestSchemaError() }
        let name = "it_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        let admin = PostgresClient.Configuration(host: host, port: adminParts.port ?? 5432, username: user,
                                                 password: adminParts.password, database: "postgres", tls: .disable)
        try await withAdmin(admin) { try await $0.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) OWNER \(owner)")) }
        parts.path = "/" + name
        return (parts.string ?? url, {
            try? await withAdmin(admin) {
                try await $0.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"))
            }
        })
    }

    private static func withAdmin(_ configuration: PostgresClient.Configuration,
                                  _ body: @Sendable (PostgresClient) async throws -> Void) async throws {
        let admin = PostgresClient(configuration: configuration, backgroundLogger: Logger(label: "pg-test-admin"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await admin.run() }
            defer { group.cancelAll() }
            try await body(admin)
        }
    }
}
