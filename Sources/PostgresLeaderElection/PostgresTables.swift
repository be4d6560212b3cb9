import Logging
import PostgresNIO

/// This module's tables on one server: the client and logger its statements use, and the creation
/// of the tables each store owns. The stores (``PostgresLeaseStore``, ``PostgresHeartbeatSightings``)
/// each hold one, so what they share about reaching their tables lives here once.
///
/// The client must be running (`PostgresClient.run()` in the service group).
struct PostgresTables: Sendable {
    let client: PostgresClient
    let logger: Logger

    /// Runs one statement (parameters bound from the interpolation).
    @discardableResult
    func query(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        try await client.query(query, logger: logger)
    }

    /// Creates the tables of `statements` when missing, safely when several replicas start at once:
    /// one transaction that first takes an advisory lock named `lockName`, so the `CREATE … IF NOT
    /// EXISTS` of racing replicas run one after another (two unlocked ones can both fail on the
    /// catalog).
    func create(_ statements: [String], lockName: String) async throws {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(lockName)))", logger: logger)
            for statement in statements {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
        }
    }
}
