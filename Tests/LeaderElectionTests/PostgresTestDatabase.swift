import Logging
import MeshTestSupport
import PostgresLeaderElection
import PostgresNIO

/// A prepared lease store in a fresh schema of the stack's PostgreSQL (``PostgresTestSchema``).
enum PostgresTestDatabase {
    static var isEnabled: Bool { PostgresTestSchema.isEnabled }

    /// Runs `body` with a running client in a new schema, and a store prepared in it.
    static func withStore<T: Sendable>(
        _ body: @Sendable (PostgresLeaseStore, PostgresClient) async throws -> T
    ) async throws -> T {
        try await withStore { store, client, _ in try await body(store, client) }
    }

    /// Runs `body` with a running client in a new schema, a store prepared in it, and the client's
    /// configuration (to open more clients on the same schema).
    static func withStore<T: Sendable>(
        _ body: @Sendable (PostgresLeaseStore, PostgresClient, PostgresClient.Configuration) async throws -> T
    ) async throws -> T {
        let configuration = try await PostgresTestSchema.make()
        let scoped = PostgresClient(configuration: configuration, backgroundLogger: Logger(label: "pg-test"))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await scoped.run() }
            defer { group.cancelAll() }
            let store = PostgresLeaseStore(client: scoped, logger: Logger(label: "lease-test"))
            try await store.prepare()
            return try await body(store, scoped, configuration)
        }
    }
}
