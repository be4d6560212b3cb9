public import Logging
public import PostgresNIO

/// When the replicas last heard each task's heartbeats, shared through PostgreSQL: the table
/// `mesh_heartbeat_seen (task_arn, replica_id, seen_at)`, timed by the server's `now()`.
///
/// Every replica writes the tasks it heard since its previous flush in one statement (an `unnest`
/// upsert), at most once a second, so journal writes stay bounded whatever the number of tasks.
/// The leader asks which tasks no replica heard within the TTL, expires those, and then forgets
/// their rows (only rows still silent, so a sighting written meanwhile survives).
///
/// The client must be running (`PostgresClient.run()` in the service group).
public struct PostgresHeartbeatSightings: Sendable {
    private let tables: PostgresTables

    public init(client: PostgresClient, logger: Logger) {
        tables = PostgresTables(client: client, logger: logger)
    }

    /// Creates the table when missing; safe when several replicas start at once (one advisory lock
    /// serializes them). An ordinary (logged) table: a task that died while the server was down
    /// must still fall silent after it.
    public func prepare() async throws {
        try await tables.create([
            """
            CREATE TABLE IF NOT EXISTS mesh_heartbeat_seen (
                task_arn text COLLATE "C" NOT NULL,
                replica_id text NOT NULL,
                seen_at timestamptz NOT NULL,
                PRIMARY KEY (task_arn, replica_id))
            """,
            "CREATE INDEX IF NOT EXISTS mesh_heartbeat_seen_at ON mesh_heartbeat_seen (seen_at)",
        ], lockName: "mesh_heartbeat_seen")
    }

    /// Records that `replicaID` heard each of `taskArns` now: one statement.
    public func record(taskArns: [String], replicaID: String) async throws {
        guard !taskArns.isEmpty else { return }
        try await tables.query("""
            INSERT INTO mesh_heartbeat_seen (task_arn, replica_id, seen_at)
            SELECT arn, \(replicaID), now() FROM unnest(\(taskArns)::text[]) AS arn
            ON CONFLICT (task_arn, replica_id) DO UPDATE SET seen_at = EXCLUDED.seen_at
            """)
    }

    /// Tasks that some replica heard once but none within the last `seconds`, at most `limit`.
    public func silentTasks(forSeconds seconds: Double, limit: Int) async throws -> [String] {
        let rows = try await tables.query("""
            SELECT DISTINCT s.task_arn FROM mesh_heartbeat_seen s
            WHERE s.seen_at < now() - \(seconds) * interval '1 second'
              AND NOT EXISTS (SELECT 1 FROM mesh_heartbeat_seen f
                              WHERE f.task_arn = s.task_arn AND f.seen_at >= now() - \(seconds) * interval '1 second')
            ORDER BY s.task_arn
            LIMIT \(limit)
            """)
        var arns: [String] = []
        for try await arn in rows.decode(String.self) { arns.append(arn) }
        return arns
    }

    /// Forgets the rows of `taskArns` that are still silent for `seconds` (a row refreshed
    /// meanwhile stays, and the task is asked about again when it falls silent).
    public func forget(taskArns: [String], silentForSeconds seconds: Double) async throws {
        guard !taskArns.isEmpty else { return }
        try await tables.query("""
            DELETE FROM mesh_heartbeat_seen
            WHERE task_arn = ANY(\(taskArns)::text[]) AND seen_at < now() - \(seconds) * interval '1 second'
            """)
    }
}
