public import Foundation
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

/// Retention: without it the journal grows by every event forever (about 2 KB each) and keeps
/// every task that ever stopped.
///
/// A pass reads its candidates on a reader connection and deletes them in chunks through the
/// single writer, so an append waits behind at most one chunk, never behind the whole pass. The
/// database file does not shrink: freed pages are reused by later writes.
extension EventJournal {
    /// Deletes what is older than `cutoff`:
    /// - events received before it, except the newest row (sequence numbers must never be reused);
    /// - tasks that are `STOPPED` and whose work key settled (`done`) before it, with that key, the
    ///   task's metadata and its heartbeat health.
    ///
    /// Kept whatever their age: tasks that are not stopped, tasks whose work is pending, running or
    /// parked as failed, service records and work keys of services. A task deleted here and seen
    /// again (a late duplicate, a resync observation) is journaled as new, so `cutoff` must lie
    /// well behind EventBridge's 24-hour retry window; the controller enforces at least one day.
    ///
    /// - Parameter fence: Asked before each chunk is deleted (deleting is the leader's work).
    /// - Returns: How many rows of each kind were deleted.
    /// - Throws: ``JournalError`` from a read or a write; the chunks before it stay deleted.
    public func prune(before cutoff: Date, chunk: Int,
                      fence: (any WorkFence)?) async throws(JournalError) -> JournalPruneReport {
        let chunk = max(1, chunk)
        let cutoffSeconds = JournalTime.seconds(cutoff)
        var report = JournalPruneReport()
        while let last = try await read({ db in
            try Int64.fetchOne(db, sql: """
                SELECT MAX(sequence) FROM (
                    SELECT sequence FROM events WHERE received_at < ? ORDER BY sequence LIMIT ?)
                """, arguments: [cutoffSeconds, chunk])
        }) {
            let output = try await perform(.pruneEvents(throughSequence: last, receivedBefore: cutoff), fence: fence)
            guard case .pruned(let count) = output, count > 0 else { break }
            report.events += count
        }
        var after = ""
        while true {
            let start = after
            let arns = try await read { db in
                try String.fetchAll(db, sql: """
                    SELECT t.task_arn FROM tasks t JOIN work w ON w.key = 'task:' || t.task_arn
                    WHERE t.task_arn > ? AND t.last_status = 'STOPPED' AND w.state = 'done' AND w.updated_at < ?
                    ORDER BY t.task_arn LIMIT ?
                    """, arguments: [start, cutoffSeconds, chunk])
            }
            guard let last = arns.last else { break }
            if case .pruned(let count) = try await perform(.pruneTasks(arns: arns, settledBefore: cutoff), fence: fence) {
                report.tasks += count
            }
            if arns.count < chunk { break }
            after = last
        }
        report.log(to: logger)
        return report
    }
}
