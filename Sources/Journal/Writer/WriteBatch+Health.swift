import Foundation
import GRDB
import MeshModel

extension WriteBatch {
    /// Stores a health transition if it is newer than the journaled one, and then marks `wakeKey`
    /// pending, so the registration worker writes the new check statuses.
    /// - Returns: `false` when the journal already holds a newer revision (nothing written).
    func recordHealth(_ record: TaskHealthRecord, wakeKey: String) throws -> Bool {
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO task_health (task_arn, phase, containers_json, ttl_seconds, revision, changed_at)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT(task_arn) DO UPDATE SET
                phase = excluded.phase, containers_json = excluded.containers_json,
                ttl_seconds = excluded.ttl_seconds, revision = excluded.revision,
                changed_at = excluded.changed_at
            WHERE excluded.revision > task_health.revision
            """)
        try upsert.execute(arguments: [
            record.taskArn, record.health.phase.rawValue, EventJournal.encodeContainers(record.health.containers),
            record.health.ttlSeconds, record.revision, record.changedAt.timeIntervalSince1970,
        ])
        guard db.changesCount > 0 else { return false }
        try db.cachedStatement(sql: WorkItem.markSQL)
            .execute(arguments: [wakeKey, record.changedAt.timeIntervalSince1970])
        return true
    }
}
