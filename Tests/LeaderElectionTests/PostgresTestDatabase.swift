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
        let scoped = PostgresClient(configuration: try await PostgresTestSchema.make(),
                                    backgroundLogger: Logger(label: "pg-test"))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await scoped.run() }
            defer { group.cancelAll() }
            let store = PostgresLeaseStore(client: scoped, logger: Logger(label: "lease-test"))
            try await store.prepare()
            return try await body(store, scoped)
        }
    }
}
