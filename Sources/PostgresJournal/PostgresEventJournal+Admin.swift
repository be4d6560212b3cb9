import Foundation
public import Journal
import MeshModel
import PostgresNIO

/// Reads for the admin API: keyset-paginated lists and the figures of `GET /v1/status`, the same
/// rows as the SQLite journal's, in as few queries.
extension PostgresEventJournal {
    /// Tasks ordered by ARN with their cached metadata, filtered by cluster, service and `lastStatus`.
    public func adminTasks(cluster: String? = nil, service: String? = nil, status: String? = nil,
                           limit: Int, after: String? = nil) async throws(JournalError) -> [AdminTaskRow] {
        let tasks = try await all(Self.taskListQuery(cluster: cluster, service: service, status: status, limit: limit,
                                                     after: after)) { try PostgresRows.task($0, decoder: JSONDecoder()) }
        return try await withMeta(tasks)
    }

    /// The tasks whose ID (the last ARN segment) is `taskID`.
    public func adminTasks(id taskID: String) async throws(JournalError) -> [AdminTaskRow] {
        let tasks = try await all("""
            SELECT \(unescaped: PostgresRows.taskColumns) FROM tasks WHERE task_id = \(taskID) ORDER BY task_arn LIMIT 10
            """) { try PostgresRows.task($0, decoder: JSONDecoder()) }
        return try await withMeta(tasks)
    }

    private func withMeta(_ tasks: [TaskRecord]) async throws(JournalError) -> [AdminTaskRow] {
        let metas = try await taskMeta(arns: tasks.map(\.taskArn))
        return tasks.map { AdminTaskRow(task: $0, meta: metas[$0.taskArn]) }
    }

    /// Services ordered by name after `after`, each with its live (not stopped) tasks' IDs.
    public func adminServices(limit: Int, after: String?) async throws(JournalError) -> [AdminServiceRow] {
        let services = try await all("""
            SELECT \(unescaped: PostgresRows.serviceColumns) FROM services
            WHERE \(after)::text IS NULL OR name > \(after) ORDER BY name LIMIT \(EventJournal.clamp(limit))
            """, PostgresRows.service)
        guard !services.isEmpty else { return [] }
        let names = services.map(\.name)
        let pairs = try await all("""
            SELECT service_name, task_id FROM (
                SELECT m.service_name, t.task_id,
                       row_number() OVER (PARTITION BY m.service_name ORDER BY t.task_id) AS position
                FROM tasks t JOIN task_meta m ON m.task_arn = t.task_arn
                WHERE m.service_name = ANY(\(names)) AND t.last_status <> 'STOPPED') AS live
            WHERE position <= 1000 ORDER BY service_name, task_id COLLATE "C"
            """) { try $0.decode((String, String).self) }
        let taskIDs = Dictionary(grouping: pairs, by: \.0).mapValues { $0.map(\.1) }
        return services.map { AdminServiceRow(service: $0, taskIDs: taskIDs[$0.name] ?? []) }
    }

    /// The journal's figures for `GET /v1/status` and `/metrics`, in one query. `databaseBytes` is
    /// the size of the journal's tables with their indexes and TOAST.
    public func adminSummary() async throws(JournalError) -> JournalSummary {
        let rows = try await all("""
            SELECT (SELECT sequence FROM events ORDER BY sequence DESC LIMIT 1),
                   (SELECT received_at FROM events ORDER BY sequence DESC LIMIT 1),
                   (SELECT COALESCE(sum(pg_total_relation_size(c.oid)), 0)::int8 FROM pg_class c
                    WHERE c.oid IN (to_regclass('events'), to_regclass('tasks'), to_regclass('work'),
                                    to_regclass('services'), to_regclass('task_meta'), to_regclass('task_health'),
                                    to_regclass('settings'))),
                   (SELECT min(updated_at) FROM work WHERE state IN ('pending', 'running')),
                   COALESCE((SELECT array_agg(state ORDER BY state) FROM (SELECT state FROM work GROUP BY state) AS s),
                            '{}'),
                   COALESCE((SELECT array_agg(n ORDER BY state)
                             FROM (SELECT state, count(*)::int8 AS n FROM work GROUP BY state) AS s), '{}')
            """) { try $0.decode((Int64?, Double?, Int64, Double?, [String], [Int64]).self) }
        guard let (last, received, bytes, oldest, states, counts) = rows.first else {
            throw JournalError.failed.with(message: "the summary query returned no row")
        }
        var workCounts = Dictionary(uniqueKeysWithValues: WorkState.allCases.map { ($0, 0) })
        for (name, count) in zip(states, counts) { if let state = WorkState(rawValue: name) { workCounts[state] = Int(count) } }
        return JournalSummary(lastSequence: last ?? 0, lastEventReceivedAt: received.map(Date.init(timeIntervalSince1970:)),
                              databaseBytes: bytes, workCounts: workCounts,
                              oldestPendingSince: oldest.map(Date.init(timeIntervalSince1970:)))
    }
}
