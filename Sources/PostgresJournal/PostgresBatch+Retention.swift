import Foundation
import PostgresNIO

/// Retention deletes, run by the writer like every other write.
extension PostgresBatch {
    /// Deletes events with a sequence up to `sequence` received before `cutoff`, never the newest
    /// row (as in the SQLite journal, whose sequence numbers would otherwise be handed out again).
    func pruneEvents(through sequence: Int64, receivedBefore cutoff: Date) async throws -> Int {
        let rows = try await connection.query("""
            WITH gone AS (
                DELETE FROM events
                WHERE sequence <= \(sequence) AND received_at < \(cutoff.timeIntervalSince1970)
                  AND sequence < (SELECT max(sequence) FROM events)
                RETURNING 1)
            SELECT count(*) FROM gone
            """, logger: logger)
        return try await Self.count(rows)
    }

    /// Deletes each task that is still `STOPPED` with its work key settled (`done`) before `cutoff`,
    /// with that key, its metadata and its heartbeat health; the conditions are checked here, inside
    /// the transaction, so a task whose key an event made pending again stays.
    func pruneTasks(_ arns: [String], settledBefore cutoff: Date) async throws -> Int {
        let rows = try await connection.query("""
            WITH gone AS (
                DELETE FROM tasks t
                WHERE t.task_arn = ANY(\(arns)) AND t.last_status = 'STOPPED'
                  AND EXISTS (SELECT 1 FROM work w WHERE w.key = 'task:' || t.task_arn AND w.state = 'done'
                                                   AND w.updated_at < \(cutoff.timeIntervalSince1970))
                RETURNING t.task_arn),
            work_gone AS (DELETE FROM work WHERE key IN (SELECT 'task:' || task_arn FROM gone)),
            meta_gone AS (DELETE FROM task_meta WHERE task_arn IN (SELECT task_arn FROM gone)),
            health_gone AS (DELETE FROM task_health WHERE task_arn IN (SELECT task_arn FROM gone))
            SELECT count(*) FROM gone
            """, logger: logger)
        return try await Self.count(rows)
    }

    static func count(_ rows: PostgresRowSequence) async throws -> Int {
        var count: Int64 = 0
        for try await value in rows.decode(Int64.self) { count = value }
        return Int(count)
    }
}
