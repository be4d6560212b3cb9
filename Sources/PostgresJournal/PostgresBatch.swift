import Foundation
import ErrorClassification
import Journal
import Logging
import MeshModel
import PostgresNIO

/// The work of one write transaction of the PostgreSQL journal, in a fixed order of few statements:
///
/// 1. the fence, when a write carries an epoch (`mesh_leader_lease … FOR SHARE`): writes of an older
///    epoch are refused and skipped;
/// 2. the events of every append in the batch, folded together (``PostgresBatch+Append``);
/// 3. every work key marked by the fold or by `markWork`, in one statement that also notifies;
/// 4. the other writes, each in order.
///
/// Writes in one batch come from independent callers (each awaits its own), so folding every
/// append before the other writes changes no caller's outcome; a worker's attempt that meets a key
/// marked in the same batch leaves it pending, exactly as when the mark had committed just before.
struct PostgresBatch {
    let connection: PostgresConnection
    let logger: Logger
    let leaseTable: LeaseTablePresence
    /// The channel of the journal's work signals (``PostgresWorkSignals/channel(schema:)``).
    let channel: String
    /// Work keys to mark pending: the time of their newest mark, and how many marks (each bumps
    /// the generation once, as each mark of the SQLite journal does).
    var marks: [String: (at: Double, count: Int64)] = [:]

    init(connection: PostgresConnection, logger: Logger, leaseTable: LeaseTablePresence, channel: String) {
        self.connection = connection
        self.logger = logger
        self.leaseTable = leaseTable
        self.channel = channel
    }

    /// Applies the writes; one result per write, in order.
    mutating func apply(_ writes: [PostgresWrite]) async throws -> [Result<WriteOutput, JournalError>] {
        var results = [Result<WriteOutput, JournalError>?](repeating: nil, count: writes.count)
        try await fence(writes, into: &results)
        for index in writes.indices where results[index] == nil {
            if case .operation(.markWork(let keys, let at)) = writes[index].kind {
                for key in keys { mark(key, at: at) }
                results[index] = .success(.done)
            }
        }
        let appends = writes.indices.filter { results[$0] == nil && writes[$0].appended != nil }
        if !appends.isEmpty {
            // Writes the marks collected so far in the same statement as the events.
            let appended = try await append(appends.map { writes[$0].appended! })
            for (index, outcome) in zip(appends, appended) { results[index] = .success(.appended(outcome)) }
        }
        try await flushMarks()
        for index in writes.indices where results[index] == nil {
            guard case .operation(let operation) = writes[index].kind else { continue }
            results[index] = try await apply(operation)
        }
        return results.map { $0 ?? .failure(JournalError.failed.with(message: "write left without a result")) }
    }

    // MARK: - Fence

    /// Refuses the writes whose epoch is older than the lease row's (which `FOR SHARE` keeps from
    /// changing until this transaction ends). No lease table or row: nothing is fenced.
    private func fence(_ writes: [PostgresWrite], into results: inout [Result<WriteOutput, JournalError>?]) async throws {
        guard writes.contains(where: { $0.epoch != nil }) else { return }
        if !leaseTable.isKnown {
            let rows = try await connection.query("SELECT to_regclass('mesh_leader_lease') IS NOT NULL", logger: logger)
            for try await exists in rows.decode(Bool.self) where exists { leaseTable.markSeen() }
            guard leaseTable.isKnown else { return }
        }
        var current: Int64?
        let rows = try await connection.query("SELECT epoch FROM mesh_leader_lease WHERE id = 1 FOR SHARE", logger: logger)
        for try await epoch in rows.decode(Int64.self) { current = epoch }
        guard let current else { return }
        for (index, write) in writes.enumerated() {
            if let epoch = write.epoch, epoch < current {
                results[index] = .failure(.fenced(given: epoch, current: current))
            }
        }
    }

    // MARK: - Work keys

    mutating func mark(_ key: String, at date: Date) {
        let seconds = date.timeIntervalSince1970
        let earlier = marks[key]
        marks[key] = (max(earlier?.at ?? seconds, seconds), (earlier?.count ?? 0) + 1)
    }

    /// Marks every collected key pending with a new generation, in key order (so two transactions
    /// lock shared rows in one order), and notifies `mesh_work` with the keys.
    private mutating func flushMarks() async throws {
        guard !marks.isEmpty else { return }
        let pending = takeMarks()
        _ = try await connection.query("""
            WITH marked AS (
                INSERT INTO work (key, state, generation, attempts, updated_at)
                SELECT k, 'pending', c, 0, t
                FROM unnest(\(pending.keys)::text[], \(pending.times)::float8[], \(pending.counts)::int8[]) AS m(k, t, c)
                ORDER BY k
                \(unescaped: PostgresBatch.markConflictSQL)
                RETURNING 1)
            SELECT pg_notify(\(channel), \(pending.payload)), (SELECT count(*) FROM marked)
            """, logger: logger).collect()
    }

    /// The collected marks, in key order (so two transactions lock shared rows in one order), with
    /// the payload that announces them; the batch forgets them.
    mutating func takeMarks() -> (keys: [String], times: [Double], counts: [Int64], payload: String) {
        let keys = marks.keys.sorted()
        let taken = (keys, keys.map { marks[$0]!.at }, keys.map { marks[$0]!.count }, PostgresWorkSignals.payload(keys))
        marks = [:]
        return taken
    }

    /// What marking an existing key does: pending, generation + the number of marks (the inserted
    /// row's generation), no backoff; a key that was done or parked starts counting attempts afresh
    /// (the SQLite journal's `WorkItem.markSQL`).
    static let markConflictSQL = """
        ON CONFLICT (key) DO UPDATE SET
            state = 'pending', generation = work.generation + EXCLUDED.generation,
            attempts = CASE WHEN work.state IN ('done', 'failed') THEN 0 ELSE work.attempts END,
            not_before = NULL, updated_at = EXCLUDED.updated_at
        """

    // MARK: - Other writes

    private func apply(_ operation: WriteOperation) async throws -> Result<WriteOutput, JournalError> {
        switch operation {
        case .append, .markWork:
            return .failure(JournalError.failed.with(message: "append or mark outside its phase"))
        case .recordAttempt(let attempt):
            return try await recordAttempt(attempt)
        case .upsertService(let service):
            try await upsert(service)
        case .upsertTaskMeta(let meta):
            try await upsert(meta)
        case .pruneEvents(let sequence, let cutoff):
            return .success(.pruned(try await pruneEvents(through: sequence, receivedBefore: cutoff)))
        case .pruneTasks(let arns, let cutoff):
            return .success(.pruned(try await pruneTasks(arns, settledBefore: cutoff)))
        case .storeSetting(let name, let value, let at):
            _ = try await connection.query("""
                INSERT INTO settings (name, value, updated_at) VALUES (\(name), \(value), \(at.timeIntervalSince1970))
                ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at
                """, logger: logger).collect()
        case .probe:
            // The transaction's COMMIT is the probe.
            break
        case .recordHealth(let record, let wakeKey):
            return .success(.stored(try await recordHealth(record, wakeKey: wakeKey)))
        }
        return .success(.done)
    }

    /// Records a worker's attempt with the rule both journals share (``WorkAttempt/settle(_:)``).
    private func recordAttempt(_ attempt: WorkAttempt) async throws -> Result<WriteOutput, JournalError> {
        let rows = try await connection.query("""
            SELECT \(unescaped: PostgresRows.workColumns) FROM work WHERE key = \(attempt.key) FOR UPDATE
            """, logger: logger)
        var stored: WorkItem?
        for try await row in rows { stored = try PostgresRows.work(row) }
        guard let stored else {
            return .failure(JournalError.notFound.with(message: "no work key '\(attempt.key)'"))
        }
        let item = attempt.settle(stored)
        _ = try await connection.query("""
            UPDATE work SET state = \(item.state.rawValue), attempts = \(item.attempts), last_error = \(item.lastError),
                last_error_class = \(item.lastErrorClass?.rawValue), not_before = \(item.notBefore?.timeIntervalSince1970),
                updated_at = \(item.updatedAt.timeIntervalSince1970)
            WHERE key = \(item.key)
            """, logger: logger).collect()
        return .success(.workItem(item))
    }

    private func upsert(_ service: ServiceRecord) async throws {
        _ = try await connection.query("""
            INSERT INTO services (\(unescaped: PostgresRows.serviceColumns))
            VALUES (\(service.name), \(service.clusterArn), \(service.accessorID), \(service.secretArn),
                    \(service.tokenSHA256), \(service.lastTaskSeenAt?.timeIntervalSince1970),
                    \(service.tokenDeletedAt?.timeIntervalSince1970), \(service.updatedAt.timeIntervalSince1970))
            ON CONFLICT (name) DO UPDATE SET
                cluster_arn = EXCLUDED.cluster_arn, accessor_id = EXCLUDED.accessor_id,
                secret_arn = EXCLUDED.secret_arn, token_sha256 = EXCLUDED.token_sha256,
                last_task_seen_at = EXCLUDED.last_task_seen_at, token_deleted_at = EXCLUDED.token_deleted_at,
                updated_at = EXCLUDED.updated_at
            """, logger: logger).collect()
    }

    private func upsert(_ meta: TaskMeta) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let tags = String(decoding: try encoder.encode(meta.tags), as: UTF8.self)
        _ = try await connection.query("""
            INSERT INTO task_meta (\(unescaped: PostgresRows.metaColumns))
            VALUES (\(meta.taskArn), \(meta.mesh), \(meta.serviceName), \(tags), \(meta.servicePort),
                    \(meta.describedAt.timeIntervalSince1970))
            ON CONFLICT (task_arn) DO UPDATE SET
                mesh = EXCLUDED.mesh, service_name = EXCLUDED.service_name, tags_json = EXCLUDED.tags_json,
                service_port = EXCLUDED.service_port, described_at = EXCLUDED.described_at
            """, logger: logger).collect()
    }

    /// Stores a health transition if it is newer than the journaled one, and then marks `wakeKey`
    /// pending (and notifies), in one statement.
    /// - Returns: `false` when the journal already holds a newer revision (nothing written).
    private func recordHealth(_ record: TaskHealthRecord, wakeKey: String) async throws -> Bool {
        let at = record.changedAt.timeIntervalSince1970
        let rows = try await connection.query("""
            WITH stored AS (
                INSERT INTO task_health (\(unescaped: PostgresRows.healthColumns))
                VALUES (\(record.taskArn), \(record.health.phase.rawValue),
                        \(EventJournal.encodeContainers(record.health.containers)), \(record.health.ttlSeconds),
                        \(record.revision), \(at))
                ON CONFLICT (task_arn) DO UPDATE SET
                    phase = EXCLUDED.phase, containers_json = EXCLUDED.containers_json,
                    ttl_seconds = EXCLUDED.ttl_seconds, revision = EXCLUDED.revision, changed_at = EXCLUDED.changed_at
                WHERE EXCLUDED.revision > task_health.revision
                RETURNING 1),
            marked AS (
                INSERT INTO work (key, state, generation, attempts, updated_at)
                SELECT \(wakeKey), 'pending', 1, 0, \(at) WHERE EXISTS (SELECT 1 FROM stored)
                \(unescaped: PostgresBatch.markConflictSQL)
                RETURNING key)
            SELECT (SELECT count(*) FROM stored), (SELECT count(pg_notify(\(channel), key)) FROM marked)
            """, logger: logger)
        var stored = false
        for try await (count, _) in rows.decode((Int64, Int64).self) { stored = count > 0 }
        return stored
    }
}
