import ErrorClassification
import Foundation
import GRDB

/// Mapping between ``WorkItem`` and the `work` table.
extension WorkItem {
    static let journalColumns = "key, state, generation, attempts, last_error, not_before, updated_at, last_error_class"

    /// Inserts a pending key or wakes an existing one: pending, generation + 1, no backoff. A key
    /// that was done or parked starts counting attempts afresh.
    static let markSQL = """
        INSERT INTO work (key, state, generation, attempts, updated_at) VALUES (?, 'pending', 1, 0, ?)
        ON CONFLICT(key) DO UPDATE SET
            state = 'pending', generation = generation + 1,
            attempts = CASE WHEN state IN ('done', 'failed') THEN 0 ELSE attempts END,
            not_before = NULL, updated_at = excluded.updated_at
        """

    init(journalRow row: Row) throws {
        let stateName: String = row[1]
        guard let state = WorkState(rawValue: stateName) else {
            throw JournalError.corrupt.with(message: "unknown work state '\(stateName)'")
        }
        let errorClass = (row[7] as String?).flatMap(ErrorClass.init(rawValue:))
        self.init(key: row[0], state: state, generation: row[2], attempts: row[3], lastError: row[4],
                  lastErrorClass: errorClass, notBefore: JournalTime.date(row[5] as Double?),
                  updatedAt: JournalTime.date(row[6] as Double))
    }
}
