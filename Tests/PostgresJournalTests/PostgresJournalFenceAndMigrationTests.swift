import Foundation
import Journal
import MeshModel
import MeshTestSupport
@testable import PostgresJournal
import PostgresNIO
import Testing

@Suite(.enabled(if: PostgresJournalTesting.isEnabled, "needs MESH_TEST_POSTGRES_URL (deploy/local/stack.sh start)"))
struct PostgresJournalFenceAndMigrationTests {
    typealias PG = PostgresJournalTesting

    /// Five replicas opening a fresh schema at the same moment: every open succeeds, each migration
    /// is applied by exactly one of them and recorded once.
    @Test func migrate_fiveConcurrentReplicasOnAFreshSchema_applyEachMigrationOnce() async throws {
        let configuration = try await PG.schema()
        let applied = try await PG.withClient(configuration) { client in
            try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<5 {
                    group.addTask { try await PostgresSchema.migrate(client, logger: PG.logger) }
                }
                var all: [String] = []
                for try await names in group { all += names }
                return all
            }
        }
        #expect(applied.sorted() == PostgresSchema.migrations.map(\.name).sorted())
        // Five journals opening together on another fresh schema: all open, one row per migration.
        let fresh = try await PG.schema()
        let opened = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<5 {
                group.addTask { try await PG.withJournal(fresh) { _ in true } }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(opened == 5)
        let recorded = try await PG.withClient(fresh) { client in
            var names: [String] = []
            for try await name in try await client.query("SELECT name FROM journal_migrations").decode(String.self) {
                names.append(name)
            }
            return names
        }
        #expect(recorded.sorted() == PostgresSchema.migrations.map(\.name).sorted())
    }

    /// With a lease row at epoch 5: a write fenced at epoch 4 is refused (transient) and writes
    /// nothing; one at epoch 5 is stored; a fence that refuses throws before anything is queued.
    @Test func fencedWrites_olderEpoch_isRefusedAndWritesNothing() async throws {
        let configuration = try await PG.schema()
        try await PG.withClient(configuration) { client in
            try await client.query("""
                CREATE TABLE mesh_leader_lease (
                    id smallint PRIMARY KEY CHECK (id = 1), holder text NOT NULL, epoch bigint NOT NULL,
                    acquired_at timestamptz NOT NULL, renewed_at timestamptz NOT NULL, expires_at timestamptz NOT NULL)
                """)
            try await client.query("""
                INSERT INTO mesh_leader_lease VALUES (1, 'b', 5, now(), now(), now() + interval '1 minute')
                """)
        }
        try await PG.withJournal(configuration) { journal in
            let key = "service:fenced-\(UUID().uuidString.prefix(6))"
            let refusal = await #expect(throws: JournalError.fenced) {
                try await journal.markWork([key], at: Date(), fence: FixedFence(epoch: 4))
            }
            #expect(refusal?.isTransient == true && refusal?.message?.contains("5") == true)
            #expect(try await journal.workItem(key: key) == nil)
            await #expect(throws: JournalError.fenced) {
                try await journal.storeSetting("s", value: "v", at: Date(), fence: FixedFence(epoch: nil))
            }
            // Unfenced ingest still works beside refused work writes in the same moment.
            let ingest = Task { try await journal.append([PG.event(arn: PG.taskArn(), version: 1)], receivedAt: Date()) }
            let stale = Task {
                try await journal.upsertService(ServiceRecord(name: "old", clusterArn: PG.cluster, updatedAt: Date()),
                                                fence: FixedFence(epoch: 1))
            }
            #expect(try await ingest.value.map(\.outcome) == [.applied])
            await #expect(throws: JournalError.fenced) { try await stale.value }
            #expect(try await journal.service(name: "old") == nil)

            try await journal.markWork([key], at: Date(), fence: FixedFence(epoch: 5))
            #expect(try await journal.workItem(key: key)?.state == .pending)
        }
    }

    /// Without a lease table, fenced writes are stored (the journal works before the election
    /// prepared its tables).
    @Test func fencedWrites_withoutLeaseTable_areStored() async throws {
        try await PG.withJournal { journal in
            try await journal.markWork(["service:free"], at: Date(), fence: FixedFence(epoch: 1))
            #expect(try await journal.workItem(key: "service:free")?.generation == 1)
        }
    }
}
