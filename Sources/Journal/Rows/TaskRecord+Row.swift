import Foundation
import GRDB
import MeshModel

/// Mapping between ``TaskRecord`` and the `tasks` table, with hand-written SQL for the hot path.
extension TaskRecord {
    /// The selected columns, in the order ``init(journalRow:)`` reads them.
    static let journalColumns = """
        task_arn, task_id, cluster_arn, last_status, desired_status, version, task_group, \
        task_definition_arn, family, address, containers_json, started_at, stopped_at, updated_at
        """

    static let selectByArnSQL = "SELECT \(journalColumns) FROM tasks WHERE task_arn = ?"

    static let upsertSQL = """
        INSERT INTO tasks (\(journalColumns), last_sequence)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(task_arn) DO UPDATE SET
            task_id = excluded.task_id, cluster_arn = excluded.cluster_arn,
            last_status = excluded.last_status, desired_status = excluded.desired_status,
            version = excluded.version, task_group = excluded.task_group,
            task_definition_arn = excluded.task_definition_arn, family = excluded.family,
            address = excluded.address, containers_json = excluded.containers_json,
            started_at = excluded.started_at, stopped_at = excluded.stopped_at,
            updated_at = excluded.updated_at, last_sequence = excluded.last_sequence
        """

    /// Decodes a row selected with ``journalColumns``.
    init(journalRow row: Row, decoder: JSONDecoder) throws {
        let containersJSON: String = row[10]
        self.init(
            taskArn: row[0],
            taskID: row[1],
            clusterArn: row[2],
            lastStatus: TaskStatus(rawValue: row[3]),
            desiredStatus: (row[4] as String?).map(TaskStatus.init(rawValue:)),
            version: row[5],
            group: row[6],
            taskDefinitionArn: row[7],
            family: row[8],
            address: row[9],
            containers: try decoder.decode([ContainerState].self, from: Data(containersJSON.utf8)),
            startedAt: JournalTime.date(row[11]),
            stoppedAt: JournalTime.date(row[12]),
            updatedAt: JournalTime.date(row[13])
        )
    }

    /// Arguments for ``upsertSQL``.
    func journalArguments(lastSequence: Int64, encoder: JSONEncoder) throws -> StatementArguments {
        let containersJSON = containers.isEmpty
            ? "[]" : String(decoding: try encoder.encode(containers), as: UTF8.self)
        return [
            taskArn, taskID, clusterArn, lastStatus.rawValue, desiredStatus?.rawValue, version, group,
            taskDefinitionArn, family, address, containersJSON,
            JournalTime.seconds(startedAt), JournalTime.seconds(stoppedAt), JournalTime.seconds(updatedAt),
            lastSequence,
        ]
    }
}

/// Timestamps are stored as `REAL` seconds since 1970: exact for `Date`, cheap to bind.
enum JournalTime {
    static func seconds(_ date: Date?) -> Double? { date?.timeIntervalSince1970 }
    static func seconds(_ date: Date) -> Double { date.timeIntervalSince1970 }
    static func date(_ seconds: Double?) -> Date? { seconds.map(Date.init(timeIntervalSince1970:)) }
    static func date(_ seconds: Double) -> Date { Date(timeIntervalSince1970: seconds) }
}
