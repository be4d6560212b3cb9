public import Foundation
public import MeshModel

extension EventJournal {
    /// Journals events and folds them into task state, returning once the transaction is durable.
    ///
    /// In one transaction (shared with whatever else queued meanwhile), for each event in order: the
    /// event row is inserted with its outcome, the task is folded (``TaskFold``) and its row upserted,
    /// and when the event was applied the work key `task:<arn>` is marked pending with a new
    /// generation. Several events of one task fold in order. Cancelling the caller does not withdraw
    /// the events.
    ///
    /// - Parameters:
    ///   - events: Decoded events, in the order they appeared in the request.
    ///   - receivedAt: When the request arrived (stored on every row).
    /// - Returns: One result per event, in order.
    /// - Throws: ``JournalError/overloaded`` at once when too many events are queued (429);
    ///   ``JournalError/unavailable`` when the database could not write (503);
    ///   ``JournalError/closed`` after ``close()``.
    public func append(_ events: [DecodedEvent], receivedAt: Date) async throws(JournalError) -> [AppendResult] {
        try await append(events, receivedAt: receivedAt, budget: .ingest, fence: nil)
    }

    /// ``append(_:receivedAt:)`` counted against `budget`, asking `fence` first.
    func append(_ events: [DecodedEvent], receivedAt: Date, budget: WriteBudget,
                fence: (any WorkFence)?) async throws(JournalError) -> [AppendResult] {
        guard !events.isEmpty else { return [] }
        let output = try await perform(.append(events: events, receivedAt: receivedAt), budget: budget, fence: fence)
        return try output.appendResults(count: events.count).get()
    }

    /// ``append(_:receivedAt:)`` answering through `completion`, on the writer thread that
    /// committed the events (see ``JournalStore/append(_:receivedAt:completion:)``).
    public func append(_ events: [DecodedEvent], receivedAt: Date, completion: @escaping AppendCompletion) {
        guard !events.isEmpty else { return completion(.success([])) }
        let operation = WriteOperation.append(events: events, receivedAt: receivedAt)
        writer.submit(operation, weight: operation.weight, budget: .ingest) { result in
            completion(result.flatMap { $0.appendResults(count: events.count) })
        }
    }
}
