import Foundation
import GRDB

/// Durable work keys (DESIGN principle 2). The journal only stores them; the in-memory queue in the
/// Controller deduplicates and keeps one worker per key.
extension EventJournal {
    /// Keys waiting for a worker: pending ones, and running ones (which only a journal written by an
    /// older version holds: attempts no longer write `running`), in key order after `after` (keyset pagination: pass the last key of a page to read the next).
    public func pendingWork(limit: Int, after: String? = nil) async throws(JournalError) -> [WorkItem] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(WorkItem.journalColumns) FROM work
                WHERE (state = 'pending' OR state = 'running') AND key > ? ORDER BY key LIMIT ?
                """, arguments: [after ?? "", Self.clamp(limit)]).map(WorkItem.init(journalRow:))
        }
    }

    /// One key, or `nil`.
    public func workItem(key: String) async throws(JournalError) -> WorkItem? {
        try lookup("SELECT \(WorkItem.journalColumns) FROM work WHERE key = ?", arguments: [key], WorkItem.init(journalRow:))
    }

    /// How many keys are in each state (every state present, zero if none).
    public func workCounts() async throws(JournalError) -> [WorkState: Int] {
        try await read { db in
            var counts = Dictionary(uniqueKeysWithValues: WorkState.allCases.map { ($0, 0) })
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) FROM work GROUP BY state") {
                if let state = WorkState(rawValue: row[0]) { counts[state] = row[1] }
            }
            return counts
        }
    }
}
