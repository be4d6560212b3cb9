package import ErrorClassification
package import Foundation
package import Logging

/// A journal whose writes are ``WriteOperation``s committed by a group-commit writer: ``EventJournal``
/// (SQLite) and the journal on PostgreSQL.
///
/// The writes that are nothing but one operation and its output, and retention's chunked loop, have
/// their one home in the extension below, so the two journals cannot drift apart in what they
/// record or delete. Each journal supplies only what differs: how an operation is queued (and
/// fenced), and the queries that find retention's candidates in its own SQL.
package protocol OperationJournal: JournalStore {
    var logger: Logger { get }

    /// Queues `operation` and waits until its batch committed durably.
    /// - Throws: ``JournalError/fenced`` when `fence` refuses (nothing is queued then), and the
    ///   write's own errors.
    func perform(_ operation: WriteOperation, fence: (any WorkFence)?) async throws(JournalError) -> WriteOutput

    /// The highest sequence among the (at most) `chunk` oldest events received before `cutoff`, or
    /// `nil` when there is none.
    func lastPrunableEvent(receivedBefore cutoff: Date, chunk: Int) async throws(JournalError) -> Int64?

    /// At most `chunk` ARNs, in ARN order after `after`, of stopped tasks whose work key settled
    /// (`done`) before `cutoff`.
    func prunableTasks(after: String, settledBefore cutoff: Date, chunk: Int) async throws(JournalError) -> [String]
}

extension OperationJournal {
    /// Marks keys pending with a new generation (inserting them if new). Durable when it returns.
    public func markWork(_ keys: [String], at date: Date, fence: (any WorkFence)?) async throws(JournalError) {
        guard !keys.isEmpty else { return }
        _ = try await perform(.markWork(keys: keys, at: date), fence: fence)
    }

    /// Records the outcome of a worker's attempt at `key`, begun at `generation` (as read with
    /// ``JournalStore/workItem(key:)`` or ``JournalStore/pendingWork(limit:after:)``; starting an
    /// attempt writes nothing).
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

    /// Inserts or replaces the record of `service.name`. Durable when it returns.
    public func upsertService(_ service: ServiceRecord, fence: (any WorkFence)?) async throws(JournalError) {
        _ = try await perform(.upsertService(service), fence: fence)
    }

    /// Inserts or replaces the cached metadata of `meta.taskArn`. Durable when it returns.
    public func upsertTaskMeta(_ meta: TaskMeta, fence: (any WorkFence)?) async throws(JournalError) {
        _ = try await perform(.upsertTaskMeta(meta), fence: fence)
    }

    /// Stores `value` under `name`, replacing any earlier value. Durable when it returns.
    public func storeSetting(_ name: String, value: String, at date: Date,
                             fence: (any WorkFence)?) async throws(JournalError) {
        _ = try await perform(.storeSetting(name: name, value: value, at: date), fence: fence)
    }

    /// Stores a health transition and marks `wakeKey` pending in the same transaction, so the
    /// registration worker is sure to write the new check statuses. Durable when it returns.
    ///
    /// - Returns: `false` when the journal already holds a newer revision for the task (nothing written).
    @discardableResult
    public func recordHealth(_ record: TaskHealthRecord, wakeKey: String,
                             fence: (any WorkFence)?) async throws(JournalError) -> Bool {
        guard case .stored(let stored) = try await perform(.recordHealth(record, wakeKey: wakeKey), fence: fence) else {
            return false
        }
        return stored
    }

    /// Retention: deletes what is older than `cutoff`, in chunks of `chunk` rows, each chunk one
    /// write through the group-commit writer (an append waits behind at most one chunk):
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
        var report = JournalPruneReport()
        while let last = try await lastPrunableEvent(receivedBefore: cutoff, chunk: chunk) {
            let output = try await perform(.pruneEvents(throughSequence: last, receivedBefore: cutoff), fence: fence)
            guard case .pruned(let count) = output, count > 0 else { break }
            report.events += count
        }
        var after = ""
        while true {
            let arns = try await prunableTasks(after: after, settledBefore: cutoff, chunk: chunk)
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
