public import ErrorClassification
public import Foundation
public import Journal
public import MeshModel
import Logging
import PostgresNIO

/// The writes, each durable when it returns (see ``PostgresEventJournal``). Writes that record work
/// take a `fence`: its epoch is checked inside the transaction, and ``JournalError/fenced`` thrown
/// when a newer leadership term began (nothing is written then).
extension PostgresEventJournal {
    /// Journals events and folds them into task state; durable when it returns.
    /// - Throws: ``JournalError/overloaded`` at once when too many events are queued (429);
    ///   ``JournalError/unavailable`` when the database could not write (503);
    ///   ``JournalError/closed`` after ``close()``.
    public func append(_ events: [DecodedEvent], receivedAt: Date) async throws(JournalError) -> [AppendResult] {
        guard !events.isEmpty else { return [] }
        return try appended(try await perform(.append(events: events, receivedAt: receivedAt), fence: nil), count: events.count)
    }

    /// Journals observed task states (resync), folded like events, their rows labelled with `source`
    /// in the same transaction.
    public func observe(_ changes: [TaskStateChange], source: String, observedAt: Date,
                        fence: (any WorkFence)?) async throws(JournalError) -> [AppendResult] {
        guard !changes.isEmpty else { return [] }
        let events = changes.map { DecodedEvent(change: $0, rawJSON: EventJournal.observationBody($0, source: source)) }
        let write = PostgresWrite(kind: .observe(events, source: source, at: observedAt), epoch: try Self.epoch(of: fence))
        return try appended(try await perform(write), count: events.count)
    }

    private func appended(_ output: WriteOutput, count: Int) throws(JournalError) -> [AppendResult] {
        guard case .appended(let results) = output, results.count == count else {
            throw JournalError.failed.with(message: "append produced an unexpected result")
        }
        return results
    }

    /// Marks keys pending with a new generation (inserting them if new), and notifies `mesh_work`.
    public func markWork(_ keys: [String], at date: Date, fence: (any WorkFence)?) async throws(JournalError) {
        guard !keys.isEmpty else { return }
        _ = try await perform(.markWork(keys: keys, at: date), fence: fence)
    }

    /// Records the outcome of a worker's attempt at `key`, begun at `generation` (the rule of
    /// ``EventJournal/recordAttempt(key:generation:succeeded:error:errorClass:parked:notBefore:at:)``).
    /// - Throws: ``JournalError/notFound`` if the key does not exist.
    @discardableResult
    public func recordAttempt(key: String, generation: Int64, succeeded: Bool, error: String?,
                              errorClass: ErrorClass?, parked: Bool, notBefore: Date?, at date: Date,
                              fence: (any WorkFence)?) async throws(JournalError) -> WorkItem? {
        let attempt = WorkAttempt(key: key, generation: generation, succeeded: succeeded, error: error,
                                  errorClass: errorClass, parked: parked, notBefore: notBefore, at: date)
        guard case .workItem(let item) = try await perform(.recordAttempt(attempt), fence: fence) else { return nil }
        return item
    }

    /// Inserts or replaces the record of `service.name`.
    public func upsertService(_ service: ServiceRecord, fence: (any WorkFence)?) async throws(JournalError) {
        _ = try await perform(.upsertService(service), fence: fence)
    }

    /// Inserts or replaces the cached metadata of `meta.taskArn`.
    public func upsertTaskMeta(_ meta: TaskMeta, fence: (any WorkFence)?) async throws(JournalError) {
        _ = try await perform(.upsertTaskMeta(meta), fence: fence)
    }

    /// Stores `value` under `name`, replacing any earlier value.
    public func storeSetting(_ name: String, value: String, at date: Date,
                             fence: (any WorkFence)?) async throws(JournalError) {
        _ = try await perform(.storeSetting(name: name, value: value, at: date), fence: fence)
    }

    /// Stores a health transition if newer than the journaled one, marking `wakeKey` pending in the
    /// same transaction. - Returns: `false` when the journal holds a newer revision.
    @discardableResult
    public func recordHealth(_ record: TaskHealthRecord, wakeKey: String,
                             fence: (any WorkFence)?) async throws(JournalError) -> Bool {
        guard case .stored(let stored) = try await perform(.recordHealth(record, wakeKey: wakeKey), fence: fence) else {
            return false
        }
        return stored
    }

    /// Retention, with the rules of ``EventJournal/prune(before:chunk:)``: candidates read on a
    /// pooled connection, deleted in chunks through the writer.
    public func prune(before cutoff: Date, chunk: Int,
                      fence: (any WorkFence)?) async throws(JournalError) -> JournalPruneReport {
        let chunk = max(1, chunk)
        let cutoffSeconds = cutoff.timeIntervalSince1970
        var report = JournalPruneReport()
        while let last = try await first("""
            SELECT max(sequence) FROM (
                SELECT sequence FROM events WHERE received_at < \(cutoffSeconds) ORDER BY sequence LIMIT \(chunk)) AS c
            """, { try $0.decode(Int64?.self) }) ?? nil {
            let output = try await perform(.pruneEvents(throughSequence: last, receivedBefore: cutoff), fence: fence)
            guard case .pruned(let count) = output, count > 0 else { break }
            report.events += count
        }
        var after = ""
        while true {
            let arns = try await all("""
                SELECT t.task_arn FROM tasks t JOIN work w ON w.key = 'task:' || t.task_arn
                WHERE t.task_arn > \(after) AND t.last_status = 'STOPPED' AND w.state = 'done'
                  AND w.updated_at < \(cutoffSeconds)
                ORDER BY t.task_arn LIMIT \(chunk)
                """, { try $0.decode(String.self) })
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
