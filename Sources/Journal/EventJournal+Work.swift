public import ErrorClassification
public import Foundation
import GRDB

/// Durable work keys (DESIGN principle 2). The journal only stores them; the in-memory queue in the
/// Controller deduplicates and keeps one worker per key.
extension EventJournal {
    /// Marks keys pending with a new generation (inserting them if new). Durable when it returns.
    public func markWork(_ keys: [String], at date: Date, fence: (any WorkFence)?) async throws(JournalError) {
        guard !keys.isEmpty else { return }
        _ = try await perform(.markWork(keys: keys, at: date), fence: fence)
    }

    /// Records the outcome of a worker's attempt at `key`, begun at `generation` (as read with
    /// ``workItem(key:)`` or ``pendingWork(limit:after:)``; starting an attempt writes nothing).
    ///
    /// Success marks the key done only if `generation` is still current; otherwise a newer event
    /// arrived while working and the key stays pending. Failure increments `attempts`, keeps `error`
    /// as `lastError` (with its class, `errorClass`), and leaves the key pending until `notBefore`,
    /// or parks it as failed when `parked` (unless a newer event arrived, which keeps it pending).
    ///
    /// - Returns: The item as stored now.
    /// - Throws: ``JournalError/notFound`` if the key does not exist, ``JournalError/fenced`` if
    ///   `fence` refuses.
    @discardableResult
    public func recordAttempt(key: String, generation: Int64, succeeded: Bool, error: String?,
                              errorClass: ErrorClass?, parked: Bool, notBefore: Date?,
                              at date: Date, fence: (any WorkFence)?) async throws(JournalError) -> WorkItem? {
        let attempt = WorkAttempt(key: key, generation: generation, succeeded: succeeded, error: error,
                                  errorClass: errorClass, parked: parked, notBefore: notBefore, at: date)
        guard case .workItem(let item) = try await perform(.recordAttempt(attempt), fence: fence) else { return nil }
        return item
    }

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
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT \(WorkItem.journalColumns) FROM work WHERE key = ?",
                             arguments: [key]).map(WorkItem.init(journalRow:))
        }
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
