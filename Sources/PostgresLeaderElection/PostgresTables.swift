import Logging
import PostgresNIO

/// Creates this module's tables when missing, safely when several replicas start at once: one
/// transaction that first takes an advisory lock named for the tables, so the `CREATE … IF NOT
/// EXISTS` of racing replicas run one after another (two unlocked ones can both fail on the catalog).
enum PostgresTables {
    static func create(_ statements: [String], lockName: String, client: PostgresClient, logger: Logger) async throws {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(lockName)))", logger: logger)
            for statement in statements {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
        }
    }
}
