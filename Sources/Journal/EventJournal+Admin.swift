public import Foundation
import GRDB
public import MeshModel

/// Reads for the admin API: keyset-paginated lists and the figures of `GET /v1/status`. Each runs on
/// a reader connection (never the writer), so operators' curls never delay a commit.
extension EventJournal {
    /// Tasks ordered by ARN with their cached metadata, filtered by cluster, service and `lastStatus`.
    ///
    /// - Parameters:
    ///   - service: The Consul service name (from the task's tags; tasks not yet described never match).
    ///   - after: Keyset pagination: only tasks whose ARN sorts after this one.
    ///   - limit: At most this many (clamped to 1...10 000).
    public func adminTasks(cluster: String? = nil, service: String? = nil, status: String? = nil,
                           limit: Int, after: String? = nil) async throws(JournalError) -> [AdminTaskRow] {
        let (sql, arguments) = Self.taskListQuery(cluster: cluster, service: service, status: status,
                                                  limit: limit, after: after)
        return try await read { db in
            let decoder = JSONDecoder()
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                let task = try TaskRecord(journalRow: row, decoder: decoder)
                return AdminTaskRow(task: task, meta: try Self.meta(db, arn: task.taskArn))
            }
        }
    }

    /// The tasks whose ID (the last ARN segment) is `taskID`; normally one, two only if two clusters
    /// reused an ID.
    public func adminTasks(id taskID: String) async throws(JournalError) -> [AdminTaskRow] {
        try await read { db in
            let decoder = JSONDecoder()
            return try Row.fetchAll(db, sql: """
                SELECT \(TaskRecord.journalColumns) FROM tasks WHERE task_id = ? ORDER BY task_arn LIMIT 10
                """, arguments: [taskID]).map { row in
                let task = try TaskRecord(journalRow: row, decoder: decoder)
                return AdminTaskRow(task: task, meta: try Self.meta(db, arn: task.taskArn))
            }
        }
    }

    /// Work keys ordered by key, optionally in one state, after `after` (keyset pagination).
    public func work(state: WorkState?, limit: Int, after: String?) async throws(JournalError) -> [WorkItem] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let state {
            conditions.append("state = ?")
            arguments += [state.rawValue]
        }
        if let after {
            conditions.append("key > ?")
            arguments += [after]
        }
        arguments += [Self.clamp(limit)]
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let bound = arguments
        return try await read { db in
            try Row.fetchAll(db, sql: "SELECT \(WorkItem.journalColumns) FROM work \(filter) ORDER BY key LIMIT ?",
                             arguments: bound).map(WorkItem.init(journalRow:))
        }
    }

    /// Work keys that start with `prefix` and end with `suffix` (at most 10), so operators can name a
    /// key without its cluster ARN: `task:` + task ID, `service:` + service name.
    public func workKeys(prefix: String, suffix: String) async throws(JournalError) -> [WorkItem] {
        let pattern = Self.likeEscaped(prefix) + "%" + Self.likeEscaped(suffix)
        return try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(WorkItem.journalColumns) FROM work WHERE key LIKE ? ESCAPE '\\' ORDER BY key LIMIT 10
                """, arguments: [pattern]).map(WorkItem.init(journalRow:))
        }
    }

    /// Services ordered by name after `after`, each with its live (not stopped) tasks' IDs in every
    /// cluster (one token, one row per service name).
    public func adminServices(limit: Int, after: String?) async throws(JournalError) -> [AdminServiceRow] {
        let filter = after == nil ? "" : "WHERE name > ?"
        var arguments: StatementArguments = after.map { [$0] } ?? []
        arguments += [Self.clamp(limit)]
        let bound = arguments
        return try await read { db in
            try Row.fetchAll(db, sql: "SELECT \(ServiceRecord.journalColumns) FROM services \(filter) ORDER BY name LIMIT ?",
                             arguments: bound).map { row in
                let service = ServiceRecord(journalRow: row)
                let taskIDs = try String.fetchAll(db, sql: """
                    SELECT t.task_id FROM tasks t JOIN task_meta m ON m.task_arn = t.task_arn
                    WHERE m.service_name = ? AND t.last_status != 'STOPPED'
                    ORDER BY t.task_id LIMIT 1000
                    """, arguments: [service.name])
                return AdminServiceRow(service: service, taskIDs: taskIDs)
            }
        }
    }

    /// The journal's figures for `GET /v1/status` and `/metrics`, in one read transaction.
    public func adminSummary() async throws(JournalError) -> JournalSummary {
        try await read { db in
            let pageCount = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            let pageSize = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 0
            let last = try Row.fetchOne(db, sql: "SELECT sequence, received_at FROM events ORDER BY sequence DESC LIMIT 1")
            var counts = Dictionary(uniqueKeysWithValues: WorkState.allCases.map { ($0, 0) })
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) FROM work GROUP BY state") {
                if let state = WorkState(rawValue: row[0]) { counts[state] = row[1] }
            }
            let oldestPending = try Double.fetchOne(db, sql: """
                SELECT MIN(updated_at) FROM work WHERE state = 'pending' OR state = 'running'
                """)
            return JournalSummary(
                lastSequence: last.map { $0[0] } ?? 0,
                lastEventReceivedAt: last.map { Date(timeIntervalSince1970: $0[1]) },
                databaseBytes: pageCount * pageSize,
                workCounts: counts,
                oldestPendingSince: oldestPending.map(Date.init(timeIntervalSince1970:)))
        }
    }

    private static func meta(_ db: Database, arn: String) throws -> TaskMeta? {
        try Row.fetchOne(db, sql: "SELECT \(TaskMeta.journalColumns) FROM task_meta WHERE task_arn = ?",
                         arguments: [arn]).map(TaskMeta.init(journalRow:))
    }

    package static func likeEscaped(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}

/// A task with the metadata cached from ECS, if it was described.
public struct AdminTaskRow: Sendable, Equatable {
    public var task: TaskRecord
    public var meta: TaskMeta?

    public init(task: TaskRecord, meta: TaskMeta?) {
        self.task = task
        self.meta = meta
    }
}

/// A service with the IDs of its tasks that are not stopped.
public struct AdminServiceRow: Sendable, Equatable {
    public var service: ServiceRecord
    public var taskIDs: [String]

    public init(service: ServiceRecord, taskIDs: [String]) {
        self.service = service
        self.taskIDs = taskIDs
    }
}

/// The journal's figures for the status endpoint.
public struct JournalSummary: Sendable, Equatable {
    /// The newest sequence number (0 when empty).
    public var lastSequence: Int64
    /// When the newest event was received, if any.
    public var lastEventReceivedAt: Date?
    /// The main database file's size (pages × page size; the WAL is extra).
    public var databaseBytes: Int64
    /// Work keys per state (every state present).
    public var workCounts: [WorkState: Int]
    /// When the longest-waiting pending (or running) key was last marked or attempted.
    public var oldestPendingSince: Date?

    public init(lastSequence: Int64, lastEventReceivedAt: Date?, databaseBytes: Int64, workCounts: [WorkState: Int],
                oldestPendingSince: Date?) {
        self.lastSequence = lastSequence
        self.lastEventReceivedAt = lastEventReceivedAt
        self.databaseBytes = databaseBytes
        self.workCounts = workCounts
        self.oldestPendingSince = oldestPendingSince
    }
}
