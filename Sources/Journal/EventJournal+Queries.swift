import Foundation
import GRDB
public import MeshModel

/// Reads of events and folded task state. Listings run on a reader connection while the calling
/// task suspends; the lookup of one task runs on the calling thread (``PointLookups``).
extension EventJournal {
    /// The folded state of one task, or `nil` if no event for it was applied.
    public func task(arn: String) async throws(JournalError) -> TaskRecord? {
        try lookup(TaskRecord.selectByArnSQL, arguments: [arn]) { try TaskRecord(journalRow: $0, decoder: JSONDecoder()) }
    }

    /// Tasks ordered by ARN, optionally of one cluster and/or one `lastStatus`.
    ///
    /// - Parameters:
    ///   - after: Keyset pagination: only tasks whose ARN sorts after this one.
    ///   - limit: At most this many (clamped to 1...10 000).
    public func tasks(cluster: String? = nil, status: String? = nil, limit: Int = 100,
                      after: String? = nil) async throws(JournalError) -> [TaskRecord] {
        let (sql, arguments) = Self.taskListQuery(cluster: cluster, status: status, limit: limit, after: after)
        return try await read { db in
            let decoder = JSONDecoder()
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map {
                try TaskRecord(journalRow: $0, decoder: decoder)
            }
        }
    }

    /// Journal rows with a sequence number greater than `sequence`, oldest first (the journal tail).
    public func entries(after sequence: Int64, limit: Int) async throws(JournalError) -> [JournalEntry] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(JournalEntry.journalColumns) FROM events WHERE sequence > ? ORDER BY sequence LIMIT ?
                """, arguments: [sequence, Self.clamp(limit)]).map(JournalEntry.init(journalRow:))
        }
    }

    /// The newest journal rows of one task, oldest first.
    public func entries(forTask arn: String, limit: Int) async throws(JournalError) -> [JournalEntry] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM (SELECT \(JournalEntry.journalColumns) FROM events WHERE task_arn = ?
                               ORDER BY sequence DESC LIMIT ?)
                ORDER BY sequence
                """, arguments: [arn, Self.clamp(limit)]).map(JournalEntry.init(journalRow:))
        }
    }

    /// The highest sequence number journaled so far (0 when empty).
    public func lastSequence() async throws(JournalError) -> Int64 {
        try await read { db in
            try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(sequence), 0) FROM events") ?? 0
        }
    }

    /// Runs `PRAGMA integrity_check`; `true` when SQLite answers `ok`.
    public func integrityCheck() async throws(JournalError) -> Bool {
        try await read { db in
            try String.fetchAll(db, sql: "PRAGMA integrity_check") == ["ok"]
        }
    }

    /// How the database is set up, for the status endpoint and tests: `journal_mode` (`"wal"` for a
    /// file) and `synchronous` (2 = FULL).
    public func databaseSettings() async throws(JournalError) -> JournalDatabaseSettings {
        try ensureOpen()
        do {
            return try await dbWriter.write { db in
                JournalDatabaseSettings(
                    journalMode: try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "",
                    synchronous: try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1)
            }
        } catch {
            throw JournalError.mapping(error)
        }
    }

    package static func clamp(_ limit: Int) -> Int { min(max(limit, 1), 10_000) }

    /// The keyset-paginated task list both the workers' and the admin API's listings run: tasks in ARN
    /// order, filtered by cluster, Consul service name (through `task_meta`) and `lastStatus`.
    static func taskListQuery(cluster: String?, service: String? = nil, status: String?, limit: Int,
                              after: String?) -> (sql: String, arguments: StatementArguments) {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let cluster {
            conditions.append("cluster_arn = ?")
            arguments += [cluster]
        }
        if let service {
            conditions.append("task_arn IN (SELECT task_arn FROM task_meta WHERE service_name = ?)")
            arguments += [service]
        }
        if let status {
            conditions.append("last_status = ?")
            arguments += [status]
        }
        if let after {
            conditions.append("task_arn > ?")
            arguments += [after]
        }
        arguments += [clamp(limit)]
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return ("SELECT \(TaskRecord.journalColumns) FROM tasks \(filter) ORDER BY task_arn LIMIT ?", arguments)
    }
}

/// The durability-relevant settings of the writer connection.
public struct JournalDatabaseSettings: Sendable, Equatable {
    /// `PRAGMA journal_mode`: `"wal"` for a file database, `"memory"` in memory.
    public var journalMode: String
    /// `PRAGMA synchronous`: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
    public var synchronous: Int
}
