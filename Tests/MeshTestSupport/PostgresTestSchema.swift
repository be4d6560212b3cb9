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
