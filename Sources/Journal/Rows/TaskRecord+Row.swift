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

    /// Inserts a task seen for the first time.
    static let insertSQL = """
        INSERT INTO tasks (\(journalColumns), last_sequence)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// Updates a known task. `task_id` and `cluster_arn` are part of the ARN and never change, so
    /// they are left alone (and so is the cluster index).
    static let updateSQL = """
        UPDATE tasks SET last_status = ?, desired_status = ?, version = ?, task_group = ?,
            task_definition_arn = ?, family = ?, address = ?, containers_json = ?, started_at = ?,
            stopped_at = ?, updated_at = ?, last_sequence = ?
        WHERE task_arn = ?
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
}

extension TaskRecord {
    /// Binds the parameters of ``insertSQL``.
    func bindInsert(to row: RawBinding, lastSequence: Int64) {
        row.bind(1, taskArn)
        row.bind(2, taskID)
        row.bind(3, clusterArn)
        bindState(to: row, from: 4)
        row.bind(15, lastSequence)
    }

    /// Binds the parameters of ``updateSQL``.
    func bindUpdate(to row: RawBinding, lastSequence: Int64) {
        bindState(to: row, from: 1)
        row.bind(12, lastSequence)
        row.bind(13, taskArn)
    }

    /// The eleven columns from `last_status` to `updated_at`, in ``journalColumns`` order.
    private func bindState(to row: RawBinding, from first: Int32) {
        row.bind(first, lastStatus.rawValue)
        row.bind(first + 1, desiredStatus?.rawValue)
        row.bind(first + 2, version)
        row.bind(first + 3, group)
        row.bind(first + 4, taskDefinitionArn)
        row.bind(first + 5, family)
        row.bind(first + 6, address)
        row.bind(first + 7, ContainerJSON.encode(containers))
        row.bind(first + 8, JournalTime.seconds(startedAt))
        row.bind(first + 9, JournalTime.seconds(stoppedAt))
        row.bind(first + 10, JournalTime.seconds(updatedAt))
    }
}

/// Timestamps are stored as `REAL` seconds since 1970: exact for `Date`, cheap to bind.
enum JournalTime {
    static func seconds(_ date: Date?) -> Double? { date?.timeIntervalSince1970 }
    static func seconds(_ date: Date) -> Double { date.timeIntervalSince1970 }
    static func date(_ seconds: Double?) -> Date? { seconds.map(Date.init(timeIntervalSince1970:)) }
    static func date(_ seconds: Double) -> Date { Date(timeIntervalSince1970: seconds) }
}
