public import Foundation
public import Journal
public import MeshModel
import Logging
import PostgresNIO

/// The writes, each durable when it returns (see ``PostgresEventJournal``). Writes that record work
/// take a `fence`: its epoch is checked inside the transaction, and ``JournalError/fenced`` thrown
/// when a newer leadership term began (nothing is written then). The writes that are one operation
/// each, and retention's loop, are ``OperationJournal``'s, shared with the SQLite journal.
extension PostgresEventJournal {
    /// Journals events and folds them into task state; durable when it returns.
    /// - Throws: ``JournalError/overloaded`` at once when too many events are queued (429);
    ///   ``JournalError/unavailable`` when the database could not write (503);
    ///   ``JournalError/closed`` after ``close()``.
    public func append(_ events: [DecodedEvent], receivedAt: Date) async throws(JournalError) -> [AppendResult] {
        guard !events.isEmpty else { return [] }
        return try appended(try await perform(.append(events: events, receivedAt: receivedAt), fence: nil), count: events.count)
    }

    /// ``append(_:receivedAt:)`` answering through `completion`, on the writer thread that
    /// committed the events (see ``JournalStore/append(_:receivedAt:completion:)``).
    public func append(_ events: [DecodedEvent], receivedAt: Date, completion: @escaping AppendCompletion) {
        guard !events.isEmpty else { return completion(.success([])) }
        let write = PostgresWrite(kind: .operation(.append(events: events, receivedAt: receivedAt)), epoch: nil)
        writer.submit(write, weight: write.weight, budget: write.budget) { result in
            completion(result.flatMap { $0.appendResults(count: events.count) })
        }
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
        try output.appendResults(count: count).get()
    }
}

/// Retention's candidates (the pass itself: ``OperationJournal/prune(before:chunk:fence:)``), read
/// on a pooled connection; the chunks are deleted through the writer.
extension PostgresEventJournal {
    package func lastPrunableEvent(receivedBefore cutoff: Date, chunk: Int) async throws(JournalError) -> Int64? {
        try await first("""
            SELECT max(sequence) FROM (
                SELECT sequence FROM events WHERE received_at < \(cutoff.timeIntervalSince1970)
                ORDER BY sequence LIMIT \(chunk)) AS c
            """, { try $0.decode(Int64?.self) }) ?? nil
    }

    package func prunableTasks(after: String, settledBefore cutoff: Date,
                               chunk: Int) async throws(JournalError) -> [String] {
        try await all("""
            SELECT t.task_arn FROM tasks t JOIN work w ON w.key = 'task:' || t.task_arn
            WHERE t.task_arn > \(after) AND t.last_status = 'STOPPED' AND w.state = 'done'
              AND w.updated_at < \(cutoff.timeIntervalSince1970)
            ORDER BY t.task_arn LIMIT \(chunk)
            """, { try $0.decode(String.self) })
    }
}
