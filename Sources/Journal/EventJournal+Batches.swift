import Foundation
import GRDB
public import MeshModel

/// Reads of many rows by key in one query each (in chunks of ``batchSize`` keys), for the sweeps
/// that would otherwise read row by row.
extension EventJournal {
    /// Keys per `IN (…)` list: far below SQLite's limit on bound variables.
    static let batchSize = 500

    /// The folded state of each known task of `arns`, by ARN; unknown ARNs are absent.
    public func tasks(arns: some Collection<String>) async throws(JournalError) -> [String: TaskRecord] {
        try await fetchByKey(Array(Set(arns)), sql: { "SELECT \(TaskRecord.journalColumns) FROM tasks WHERE task_arn IN (\($0))" }) { row, decoder in
            let task = try TaskRecord(journalRow: row, decoder: decoder)
            return (task.taskArn, task)
        }
    }

    /// The cached metadata of each task of `arns` that has any, by ARN.
    public func taskMeta(arns: some Collection<String>) async throws(JournalError) -> [String: TaskMeta] {
        try await fetchByKey(Array(Set(arns)), sql: { "SELECT \(TaskMeta.journalColumns) FROM task_meta WHERE task_arn IN (\($0))" }) { row, _ in
            let meta = try TaskMeta(journalRow: row)
            return (meta.taskArn, meta)
        }
    }

    /// The work items of `keys` that exist, by key (keys are opaque here).
    public func workItems(keys: some Collection<String>) async throws(JournalError) -> [String: WorkItem] {
        try await fetchByKey(Array(Set(keys)), sql: { "SELECT \(WorkItem.journalColumns) FROM work WHERE key IN (\($0))" }) { row, _ in
            let item = try WorkItem(journalRow: row)
            return (item.key, item)
        }
    }

    private func fetchByKey<Value: Sendable>(
        _ keys: [String], sql: @escaping @Sendable (String) -> String,
        decode: @escaping @Sendable (Row, JSONDecoder) throws -> (String, Value)
    ) async throws(JournalError) -> [String: Value] {
        guard !keys.isEmpty else { return [:] }
        return try await read { db in
            let decoder = JSONDecoder()
            var result: [String: Value] = [:]
            var start = 0
            while start < keys.count {
                let chunk = Array(keys[start..<min(start + Self.batchSize, keys.count)])
                start += chunk.count
                let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
                for row in try Row.fetchAll(db, sql: sql(placeholders), arguments: StatementArguments(chunk)) {
                    let (key, value) = try decode(row, decoder)
                    result[key] = value
                }
            }
            return result
        }
    }
}
