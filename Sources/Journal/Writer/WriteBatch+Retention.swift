import Foundation
import GRDB
import MeshModel

/// Retention deletes, run by the single writer like every other write, so they interleave with
/// appends in one order and the writer's task cache stays true to the `tasks` table.
extension WriteBatch {
    /// Deletes events with a sequence up to `sequence` that were received before `cutoff`.
    ///
    /// The newest row is never deleted: sequences are rowids, and SQLite would hand out a deleted
    /// newest number again.
    func pruneEvents(through sequence: Int64, receivedBefore cutoff: Date) throws -> Int {
        let delete = try db.cachedStatement(sql: """
            DELETE FROM events
            WHERE sequence <= ? AND received_at < ? AND sequence < (SELECT MAX(sequence) FROM events)
            """)
        try RawBinding.execute(delete, in: db) { row in
            row.bind(1, sequence)
            row.bind(2, JournalTime.seconds(cutoff))
        }
        return db.changesCount
    }

    /// Deletes each task that is still `STOPPED` with its work key settled (`done`) before `cutoff`,
    /// together with its work key, metadata and heartbeat health. The conditions are checked again
    /// here, inside the writer's transaction: an event that arrived since the candidates were read
    /// made the key pending again, and then the task stays.
    mutating func pruneTasks(_ arns: [String], settledBefore cutoff: Date) throws -> Int {
        let deleteTask = try db.cachedStatement(sql: """
            DELETE FROM tasks
            WHERE task_arn = ? AND last_status = 'STOPPED'
              AND EXISTS (SELECT 1 FROM work WHERE key = ? AND state = 'done' AND updated_at < ?)
            """)
        let deleteWork = try db.cachedStatement(sql: "DELETE FROM work WHERE key = ?")
        let deleteMeta = try db.cachedStatement(sql: "DELETE FROM task_meta WHERE task_arn = ?")
        let deleteHealth = try db.cachedStatement(sql: "DELETE FROM task_health WHERE task_arn = ?")
        var deleted = 0
        for arn in arns {
            let key = WorkKey.task(arn: arn).rawValue
            try RawBinding.execute(deleteTask, in: db) { row in
                row.bind(1, arn)
                row.bind(2, key)
                row.bind(3, JournalTime.seconds(cutoff))
            }
            guard db.changesCount > 0 else { continue }
            deleted += 1
            try RawBinding.execute(deleteWork, in: db) { $0.bind(1, key) }
            try RawBinding.execute(deleteMeta, in: db) { $0.bind(1, arn) }
            try RawBinding.execute(deleteHealth, in: db) { $0.bind(1, arn) }
            forgetTask(arn: arn)
        }
        return deleted
    }
}
