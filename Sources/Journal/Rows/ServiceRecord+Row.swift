import Foundation
import GRDB

/// Mapping between ``ServiceRecord`` and the `services` table.
extension ServiceRecord {
    static let journalColumns = """
        name, cluster_arn, accessor_id, secret_arn, token_sha256, last_task_seen_at, token_deleted_at, \
        updated_at
        """

    static let upsertSQL = """
        INSERT INTO services (\(journalColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(name) DO UPDATE SET
            cluster_arn = excluded.cluster_arn, accessor_id = excluded.accessor_id,
            secret_arn = excluded.secret_arn, token_sha256 = excluded.token_sha256,
            last_task_seen_at = excluded.last_task_seen_at, token_deleted_at = excluded.token_deleted_at,
            updated_at = excluded.updated_at
        """

    init(journalRow row: Row) {
        self.init(name: row[0], clusterArn: row[1], accessorID: row[2], secretArn: row[3], tokenSHA256: row[4],
                  lastTaskSeenAt: JournalTime.date(row[5] as Double?),
                  tokenDeletedAt: JournalTime.date(row[6] as Double?),
                  updatedAt: JournalTime.date(row[7] as Double))
    }

    var journalArguments: StatementArguments {
        [name, clusterArn, accessorID, secretArn, tokenSHA256, JournalTime.seconds(lastTaskSeenAt),
         JournalTime.seconds(tokenDeletedAt), JournalTime.seconds(updatedAt)]
    }
}

/// Mapping between ``TaskMeta`` and the `task_meta` table.
extension TaskMeta {
    static let journalColumns = "task_arn, mesh, service_name, tags_json, service_port, described_at"

    static let upsertSQL = """
        INSERT INTO task_meta (\(journalColumns)) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT(task_arn) DO UPDATE SET
            mesh = excluded.mesh, service_name = excluded.service_name, tags_json = excluded.tags_json,
            service_port = excluded.service_port, described_at = excluded.described_at
        """

    init(journalRow row: Row) throws {
        let tagsJSON: String = row[3]
        self.init(taskArn: row[0], mesh: row[1], serviceName: row[2],
                  tags: try JSONDecoder().decode([String: String].self, from: Data(tagsJSON.utf8)),
                  servicePort: row[4], describedAt: JournalTime.date(row[5] as Double))
    }

    func journalArguments() throws -> StatementArguments {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let tagsJSON = String(decoding: try encoder.encode(tags), as: UTF8.self)
        return [taskArn, mesh, serviceName, tagsJSON, servicePort, JournalTime.seconds(describedAt)]
    }
}

extension WriteBatch {
    mutating func upsert(_ service: ServiceRecord) throws {
        try db.cachedStatement(sql: ServiceRecord.upsertSQL).execute(arguments: service.journalArguments)
    }

    mutating func upsert(_ meta: TaskMeta) throws {
        try db.cachedStatement(sql: TaskMeta.upsertSQL).execute(arguments: try meta.journalArguments())
    }
}
