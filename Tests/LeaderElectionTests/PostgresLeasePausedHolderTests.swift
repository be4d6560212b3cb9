import LeaderElection
import Logging
import MeshTestSupport
import PostgresLeaderElection
import PostgresNIO
import PostgresSupport
import Testing

/// A leader paused in the middle of a fenced journal write, against the real PostgreSQL.
///
/// The journal's fenced transactions hold the lease row `FOR SHARE` until they commit (so that no
/// write of an old term commits after a new term begins), and a paused process never commits: the
/// lock, and every other replica's takeover with it, would last as long as the pause. The
/// controller's sessions carry `idle_in_transaction_session_timeout`
/// (``PostgresClientFactory/startupParameters(_:)``), so the server ends such a transaction.
@Suite(.enabled(if: PostgresTestDatabase.isEnabled, "needs MESH_TEST_POSTGRES_URL (deploy/local/stack.sh start)"))
struct PostgresLeasePausedHolderTests {
    private static let logger = Logger(label: "lease-paused-test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// The paused holder's session (1 s idle limit, opened as the controller opens its sessions)
    /// holds the row; the server ends that session, and another candidate takes the expired lease
    /// about a second later rather than whenever the pause ends.
    ///
    /// The paused connection is left alone afterwards: PostgresNIO may never answer a query or a
    /// close on a session the server ended (the journal bounds every transaction with a deadline).
    @Test func acquireOrRenew_whenHolderPausedInsideFencedWrite_takesOverAfterIdleLimit() async throws {
        try await PostgresTestDatabase.withStore { store, client, configuration in
            // Given: a holds a 200 ms lease, and its session sits inside a transaction holding the row
            _ = try await store.acquireOrRenew(holder: "a", leaseDuration: .milliseconds(200))
            let schema = try #require(configuration.options.additionalStartupParameters.first { $0.0 == "search_path" }?.1)
            var settings = try PostgresConnectionSettings(url: try #require(PostgresTestSchema.url))
            settings.idleInTransactionTimeout = .seconds(1)
            let session = try await PostgresClientFactory.connect(settings, logger: Self.logger)
            let pid = try await session.query("SELECT pg_backend_pid()", logger: Self.logger).collect().first?.decode(Int32.self)
            let limit = try await session.query("SHOW idle_in_transaction_session_timeout", logger: Self.logger)
                .collect().first?.decode(String.self)
            #expect(limit == "1s", "the session's idle limit")
            try await session.query("BEGIN", logger: Self.logger)
            let rows = try await session.query(PostgresQuery(unsafeSQL: "SELECT epoch FROM \(schema).mesh_leader_lease WHERE id = 1 FOR SHARE"),
                                              logger: Self.logger).collect()
            #expect(rows.count == 1, "the paused session holds the lease row")
            let paused = try #require(pid)
            // When: b tries to take the lease. (Without the limit b would wait as long as the pause:
            // after 10 s the test ends the session itself, so that this fails instead of hanging.)
            let start = ContinuousClock.now
            let taken = await withTaskGroup(of: Bool?.self) { group in
                group.addTask {
                    await eventually(timeout: .seconds(30)) {
                        try await store.acquireOrRenew(holder: "b", leaseDuration: .seconds(30)).holder == "b"
                    }
                }
                group.addTask {
                    try? await Task.sleep(for: .seconds(10))
                    if !Task.isCancelled { _ = try? await client.query("SELECT pg_terminate_backend(\(paused))") }
                    return nil
                }
                var taken = false
                while let next = await group.next() {
                    if let next { taken = next; group.cancelAll() }
                }
                return taken
            }
            let waited = start.duration(to: .now)
            // Then
            #expect(taken, "b never took the lease")
            #expect(waited < .seconds(10), "b waited \(waited)")
            let sessions = try await client.query("SELECT count(*) FROM pg_stat_activity WHERE pid = \(paused)",
                                                        logger: Self.logger).collect().first?.decode(Int64.self)
            #expect(sessions == 0, "the server ended the paused session")
        }
    }
}
