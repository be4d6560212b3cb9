import Foundation
import Journal
import MeshModel
import MeshTestSupport
import PostgresJournal
import PostgresNIO
import Testing

/// Failures against the real server: connections terminated by PostgreSQL (as a restart does).
@Suite(.enabled(if: PostgresJournalTesting.isEnabled, "needs MESH_TEST_POSTGRES_URL (deploy/local/stack.sh start)"))
struct PostgresJournalFailureTests {
    typealias PG = PostgresJournalTesting

    /// An append whose transaction is still open when the server ends its connection is answered
    /// with a retryable failure, never success, and nothing of it is stored; the journal then writes
    /// again, and the work signals listen again (an empty array: re-read pending work).
    @Test func append_connectionTerminatedBeforeCommit_failsRetryablyStoresNothingAndRecovers() async throws {
        let name = "pgj-kill-" + UUID().uuidString.prefix(8).lowercased()
        let configuration = try await PG.schema(applicationName: name)
        try await PG.withJournal(configuration) { journal in
            try await PG.withClient(configuration) { admin in
                let arn = PG.taskArn()
                let signals = journal.workSignals()
                // Given: another session holds the task's lock, so the append's transaction waits open.
                try await admin.withConnection { holder in
                    try await holder.query("SELECT pg_advisory_lock(hashtextextended(\(arn), 0))", logger: PG.logger)
                    let append = Task { try await journal.append([PG.event(arn: arn, version: 1)], receivedAt: Date()) }
                    let waiting = await eventually(timeout: .seconds(30)) {
                        try await Self.count(admin, "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE NOT l.granted AND a.application_name = \(name)") == 1
                    }
                    #expect(waiting)
                    // When: the server ends every session of the journal (as a restart would)
                    _ = try await Self.count(admin, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = \(name)")
                    // Then: the append fails, retryably, and stored nothing
                    let failure = await #expect(throws: JournalError.self) { try await append.value }
                    #expect(failure?.isRetryable == true)
                    try await holder.query("SELECT pg_advisory_unlock_all()", logger: PG.logger)
                }
                #expect(try await Self.count(admin, "SELECT count(*) FROM events WHERE task_arn = \(arn)") == 0)
                if case .failing = journal.writeStatus {} else { Issue.record("write status is \(journal.writeStatus)") }

                // And: the journal writes again, healthy, and the listener is back.
                let recovered = await eventually(timeout: .seconds(60)) {
                    (try? await journal.append([PG.event(arn: arn, version: 1)], receivedAt: Date())) != nil
                }
                #expect(recovered)
                #expect(journal.writeStatus == .healthy)
                #expect(await signals.wait { _, last in last.isEmpty })
                try await journal.markWork(["service:after"], at: Date())
                #expect(try await journal.workItem(key: "service:after") != nil)
            }
        }
    }

    /// A journal whose server cannot be reached does not open: a retryable error, no hang.
    @Test func open_serverUnreachable_failsWithRetryableError() async throws {
        var configuration = PostgresJournalConfiguration(client: .init(
            host: "127.0.0.1", port: try FreePort.next(), username: "mesh", password: "x", database: "mesh", tls: .disable))
        configuration.client.options.connectTimeout = .seconds(1)
        configuration.writeTimeout = .seconds(1)
        let failure = await #expect(throws: JournalError.self) {
            _ = try await PostgresEventJournal.open(configuration: configuration, logger: PG.logger)
        }
        #expect(failure?.isRetryable == true)
    }

    static func count(_ client: PostgresClient, _ query: PostgresQuery) async throws -> Int64 {
        var value: Int64 = 0
        for try await count in try await client.query(query).decode(Int64.self) { value = count }
        return value
    }
}
