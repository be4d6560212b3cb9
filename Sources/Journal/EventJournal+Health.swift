import Foundation
import GRDB
package import MeshModel

/// Heartbeat health: transitions reported by the tasks' sidecars (written by
/// ``OperationJournal/recordHealth(_:wakeKey:fence:)``), and the lookups that authenticate heartbeats
/// (task → service → token hash).
///
/// Transitions join the group-commit writer's batches under their own backpressure budget, so a
/// warm-up (every task's first heartbeat at once) costs one fsync per batch, not one per task.
extension EventJournal {
    /// The journaled health of one task, or `nil` if its sidecar never reported.
    public func taskHealth(arn: String) async throws(JournalError) -> TaskHealthRecord? {
        try lookup("SELECT \(Self.healthColumns) FROM task_health WHERE task_arn = ?", arguments: [arn], Self.healthRecord)
    }

    /// Every journaled health record (loaded once at start to resume TTL tracking).
    public func taskHealthRecords() async throws(JournalError) -> [TaskHealthRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.healthColumns) FROM task_health ORDER BY task_arn")
                .map(Self.healthRecord)
        }
    }

    /// Who may send heartbeats for `taskArn`: the task's service and its token hash; `nil` for a
    /// task the journal does not know.
    public func heartbeatIdentity(taskArn: String) async throws(JournalError) -> HeartbeatIdentity? {
        try lookup(Self.identitySQL + " WHERE t.task_arn = ?", arguments: [taskArn], Self.identity)
    }

    /// The identities of every mesh task that has not stopped (loaded once at start).
    public func heartbeatIdentities() async throws(JournalError) -> [HeartbeatIdentity] {
        try await read { db in
            try Row.fetchAll(db, sql: Self.identitySQL + " WHERE m.mesh = 1 AND t.last_status <> 'STOPPED'")
                .map(Self.identity)
        }
    }

    /// Token hashes of the services whose token exists: service name → lower-case hex SHA-256.
    public func serviceTokenHashes() async throws(JournalError) -> [String: String] {
        try await read { db in
            var hashes: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT name, token_sha256 FROM services WHERE token_sha256 IS NOT NULL AND token_deleted_at IS NULL
                """) {
                hashes[row[0]] = row[1]
            }
            return hashes
        }
    }

    // MARK: Rows

    private static let healthColumns = "task_arn, phase, containers_json, ttl_seconds, revision, changed_at"

    private static let identitySQL = """
        SELECT t.task_arn, CASE WHEN m.mesh = 1 THEN m.service_name END, s.token_sha256, t.last_status
        FROM tasks t LEFT JOIN task_meta m ON m.task_arn = t.task_arn
        LEFT JOIN services s ON s.name = m.service_name AND m.mesh = 1 AND s.token_deleted_at IS NULL
        """

    private static func identity(_ row: Row) -> HeartbeatIdentity {
        let lastStatus: String = row[3]
        return HeartbeatIdentity(taskArn: row[0], serviceName: row[1], tokenSHA256: row[2], stopped: lastStatus == "STOPPED")
    }

    private static func healthRecord(_ row: Row) throws -> TaskHealthRecord {
        let phaseName: String = row[1]
        guard let phase = TaskHealth.Phase(rawValue: phaseName) else {
            throw JournalError.corrupt.with(message: "unknown task_health phase '\(phaseName)'")
        }
        let json: String = row[2]
        return TaskHealthRecord(
            taskArn: row[0],
            health: TaskHealth(phase: phase, containers: decodeContainers(json), ttlSeconds: row[3]),
            revision: row[4], changedAt: JournalTime.date(row[5] as Double))
    }

    package static func encodeContainers(_ containers: [String: ContainerHealth]) -> String {
        let plain = containers.mapValues(\.rawValue)
        guard let data = try? JSONSerialization.data(withJSONObject: plain, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    package static func decodeContainers(_ json: String) -> [String: ContainerHealth] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String] else { return [:] }
        return object.mapValues { ContainerHealth(ecsStatus: $0) }
    }
}
