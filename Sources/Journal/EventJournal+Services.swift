import Foundation
import GRDB

/// Per-service token state and per-task metadata, for the token and registration workers.
/// Writes go through the group-commit writer like everything else.
extension EventJournal {
    /// The record of one service, or `nil`.
    public func service(name: String) async throws(JournalError) -> ServiceRecord? {
        try lookup("SELECT \(ServiceRecord.journalColumns) FROM services WHERE name = ?", arguments: [name],
                   ServiceRecord.init(journalRow:))
    }

    /// All services, ordered by name.
    public func services() async throws(JournalError) -> [ServiceRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT \(ServiceRecord.journalColumns) FROM services ORDER BY name")
                .map(ServiceRecord.init(journalRow:))
        }
    }

    /// The cached metadata of one task, or `nil`.
    public func taskMeta(arn: String) async throws(JournalError) -> TaskMeta? {
        try lookup("SELECT \(TaskMeta.journalColumns) FROM task_meta WHERE task_arn = ?", arguments: [arn],
                   TaskMeta.init(journalRow:))
    }
}
