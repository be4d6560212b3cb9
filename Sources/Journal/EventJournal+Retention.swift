package import Foundation
import GRDB
package import Logging

/// What one retention pass deleted.
public struct JournalPruneReport: Sendable, Equatable {
    /// Event rows deleted.
    public var events: Int
    /// Stopped tasks deleted, each with its work key, metadata and heartbeat health.
    public var tasks: Int

    public init(events: Int = 0, tasks: Int = 0) {
        self.events = events
        self.tasks = tasks
    }

    /// Logs what a pass deleted, if anything.
    package func log(to logger: Logger) {
        guard self != JournalPruneReport() else { return }
        logger.info("Journal pruned", metadata: ["db.pruned.events": "\(events)", "db.pruned.tasks": "\(tasks)"])
    }
}

/// Retention's candidates (the pass itself: ``OperationJournal/prune(before:chunk:fence:)``): without
/// it the journal grows by every event forever (about 2 KB each) and keeps every task that ever
/// stopped.
///
/// Candidates are read on a reader connection and deleted in chunks through the single writer, so
/// an append waits behind at most one chunk, never behind the whole pass. The database file does not
/// shrink: freed pages are reused by later writes.
extension EventJournal {
    package func lastPrunableEvent(receivedBefore cutoff: Date, chunk: Int) async throws(JournalError) -> Int64? {
        let cutoffSeconds = JournalTime.seconds(cutoff)
        return try await read { db in
            try Int64.fetchOne(db, sql: """
                SELECT MAX(sequence) FROM (
                    SELECT sequence FROM events WHERE received_at < ? ORDER BY sequence LIMIT ?)
                """, arguments: [cutoffSeconds, chunk])
        }
    }

    package func prunableTasks(after: String, settledBefore cutoff: Date,
                               chunk: Int) async throws(JournalError) -> [String] {
        let cutoffSeconds = JournalTime.seconds(cutoff)
        return try await read { db in
            try String.fetchAll(db, sql: """
                SELECT t.task_arn FROM tasks t JOIN work w ON w.key = 'task:' || t.task_arn
                WHERE t.task_arn > ? AND t.last_status = 'STOPPED' AND w.state = 'done' AND w.updated_at < ?
                ORDER BY t.task_arn LIMIT ?
                """, arguments: [after, cutoffSeconds, chunk])
        }
    }
}
