import Foundation
public import LeaderElection
public import Logging
public import PostgresNIO

/// The ``LeaseStore`` in PostgreSQL: one row in `mesh_leader_lease`, timed by the server's `now()`
/// (River's and Oban's leader tables, with an epoch), and the `mesh_replicas` table behind
/// `/v1/status`.
///
/// - Acquire or renew is one `INSERT … ON CONFLICT DO UPDATE … WHERE`: the holder renews while its
///   lease runs (same epoch); anyone takes an expired or released lease with the epoch one higher.
///   Concurrent candidates serialize on the row lock, and the loser's `WHERE` sees the winner's row.
/// - When the attempt changes nothing, a second statement (a fresh snapshot) reads the holder.
/// - The tables are ordinary (logged) tables: the epoch must survive a server crash, or fencing
///   would restart at 1.
///
/// The client must be running (`PostgresClient.run()` in the service group).
public struct PostgresLeaseStore: LeaseStore {
    private let tables: PostgresTables

    public init(client: PostgresClient, logger: Logger) {
        tables = PostgresTables(client: client, logger: logger)
    }

    /// Creates the tables when missing; safe when several replicas start at once (one advisory
    /// lock serializes them).
    public func prepare() async throws {
        try await tables.create([
            """
            CREATE TABLE IF NOT EXISTS mesh_leader_lease (
                id smallint PRIMARY KEY CHECK (id = 1),
                holder text NOT NULL,
                epoch bigint NOT NULL,
                acquired_at timestamptz NOT NULL,
                renewed_at timestamptz NOT NULL,
                expires_at timestamptz NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS mesh_replicas (
                replica_id text PRIMARY KEY,
                address text,
                role text NOT NULL,
                seen_at timestamptz NOT NULL)
            """,
        ], lockName: "mesh_leader_lease")
    }

    public func acquireOrRenew(holder: String, leaseDuration: Duration) async throws -> LeaseRecord {
        let seconds = Self.seconds(leaseDuration)
        let attempt = try await tables.query("""
            INSERT INTO mesh_leader_lease AS l (id, holder, epoch, acquired_at, renewed_at, expires_at)
            VALUES (1, \(holder), 1, now(), now(), now() + \(seconds) * interval '1 second')
            ON CONFLICT (id) DO UPDATE SET
                holder = EXCLUDED.holder,
                epoch = CASE WHEN l.holder = EXCLUDED.holder AND l.expires_at > now() THEN l.epoch ELSE l.epoch + 1 END,
                acquired_at = CASE WHEN l.holder = EXCLUDED.holder AND l.expires_at > now()
                                   THEN l.acquired_at ELSE now() END,
                renewed_at = now(),
                expires_at = EXCLUDED.expires_at
            WHERE l.holder = EXCLUDED.holder OR l.expires_at <= now()
            RETURNING holder, epoch
            """)
        if let record = try await Self.firstRecord(attempt) { return record }
        // Held by another replica: read who (a new statement sees the winner of a concurrent race).
        guard let current = try await current() else { throw PostgresLeaseStoreError.leaseRowMissing }
        guard current.holder != holder else { throw PostgresLeaseStoreError.inconsistentAnswer }
        return current
    }

    public func release(holder: String, epoch: Int64) async throws {
        try await tables.query("""
            UPDATE mesh_leader_lease SET expires_at = now()
            WHERE id = 1 AND holder = \(holder) AND epoch = \(epoch) AND expires_at > now()
            """)
    }

    public func current() async throws -> LeaseRecord? {
        try await Self.firstRecord(tables.query("SELECT holder, epoch FROM mesh_leader_lease WHERE id = 1"))
    }

    public func recordReplica(_ replica: ReplicaRecord) async throws {
        try await tables.query("""
            INSERT INTO mesh_replicas (replica_id, address, role, seen_at)
            VALUES (\(replica.replicaID), \(replica.address), \(replica.role.rawValue), now())
            ON CONFLICT (replica_id) DO UPDATE SET address = EXCLUDED.address, role = EXCLUDED.role, seen_at = now()
            """)
        // Replicas gone for a day are forgotten (a tiny table; IDs change with every task).
        try await tables.query("DELETE FROM mesh_replicas WHERE seen_at < now() - interval '1 day'")
    }

    public func replicas(seenWithin window: Duration) async throws -> [ReplicaRecord] {
        let rows = try await tables.query("""
            SELECT replica_id, address, role, seen_at FROM mesh_replicas
            WHERE seen_at > now() - \(Self.seconds(window)) * interval '1 second'
            ORDER BY replica_id
            """)
        var replicas: [ReplicaRecord] = []
        for try await (id, address, role, seenAt) in rows.decode((String, String?, String, Date).self) {
            replicas.append(ReplicaRecord(replicaID: id, address: address,
                                          role: LeaseState.Role(rawValue: role) ?? .follower, seenAt: seenAt))
        }
        return replicas
    }

    private static func firstRecord(_ rows: PostgresRowSequence) async throws -> LeaseRecord? {
        var record: LeaseRecord?
        for try await (holder, epoch) in rows.decode((String, Int64).self) where record == nil {
            record = LeaseRecord(holder: holder, epoch: epoch)
        }
        return record
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// The lease table answered something the statements cannot produce.
public enum PostgresLeaseStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The attempt changed nothing, yet no lease row exists (the table was emptied meanwhile).
    case leaseRowMissing
    /// The attempt changed nothing, yet the row names this replica.
    case inconsistentAnswer

    public var description: String {
        switch self {
        case .leaseRowMissing: "the lease row vanished during an acquisition attempt"
        case .inconsistentAnswer: "the lease row names this replica although its attempt changed nothing"
        }
    }
}
