import ErrorClassification
import Foundation
import GRDB
import MeshModel

/// The work of one write transaction: applies operations in order on the writer's connection.
///
/// Task records read or folded in the batch stay in memory, so several events of one task fold in
/// order with one read; changed tasks and their work keys are written once, by ``flush()``, which
/// runs before any operation that reads them and at the end of the batch. Lives only inside one
/// `write` closure, on GRDB's writer queue.
struct WriteBatch {
    /// What the batch knows of one task.
    private struct TaskEntry {
        var record: TaskRecord?
        /// Whether the `tasks` row exists (so flushing updates rather than inserts).
        var stored: Bool
        /// Set when folded but not yet written: the sequence and time of the last applied event.
        var pending: (sequence: Int64, at: Date)?
    }

    let db: Database
    private let cache: TaskCache
    private let decoder = JSONDecoder()
    private var tasks: [String: TaskEntry] = [:]
    /// Tasks with a pending write, in first-change order.
    private var dirtyOrder: [String] = []

    init(db: Database, cache: TaskCache) {
        self.db = db
        self.cache = cache
    }

    /// The stored task records this batch read or wrote, to merge into the ``TaskCache`` once
    /// committed. Call after ``flush()``.
    var knownTasks: [String: TaskRecord] {
        tasks.compactMapValues { $0.stored ? $0.record : nil }
    }

    /// Applies one operation.
    mutating func apply(_ operation: WriteOperation) throws -> WriteOutput {
        switch operation {
        case .append(let events, let receivedAt):
            return .appended(try append(events, receivedAt: receivedAt))
        case .markWork(let keys, let at):
            try flush()
            try mark(keys, at: at)
            return .done
        case .recordAttempt(let attempt):
            try flush()
            return .workItem(try recordAttempt(attempt))
        case .upsertService(let service):
            try upsert(service)
            return .done
        case .upsertTaskMeta(let meta):
            try upsert(meta)
            return .done
        case .pruneEvents(let sequence, let cutoff):
            return .pruned(try pruneEvents(through: sequence, receivedBefore: cutoff))
        case .pruneTasks(let arns, let cutoff):
            try flush()
            return .pruned(try pruneTasks(arns, settledBefore: cutoff))
        case .storeSetting(let name, let value, let at):
            try db.execute(sql: """
                INSERT INTO settings (name, value, updated_at) VALUES (?, ?, ?)
                ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                """, arguments: [name, value, JournalTime.seconds(at)])
            return .done
        case .probe:
            // A write statement takes the write lock even when it changes nothing.
            try db.execute(sql: "DELETE FROM work WHERE 0")
            return .done
        case .recordHealth(let record, let wakeKey):
            try flush()
            return .stored(try recordHealth(record, wakeKey: wakeKey))
        }
    }

    // MARK: - Events

    private mutating func append(_ events: [DecodedEvent], receivedAt: Date) throws -> [AppendResult] {
        let insert = try db.cachedStatement(sql: JournalEntry.insertSQL)
        let receivedSeconds = JournalTime.seconds(receivedAt)
        var results: [AppendResult] = []
        results.reserveCapacity(events.count)
        for event in events {
            let change = event.change
            var entry = try taskEntry(arn: change.taskArn)
            let (outcome, record) = TaskFold.fold(change, into: entry.record)
            try RawBinding.execute(insert, in: db) { row in
                row.bind(1, receivedSeconds)
                row.bind(2, change.eventID)
                row.bind(3, change.taskArn)
                row.bind(4, change.version)
                row.bind(5, change.lastStatus.rawValue)
                row.bind(6, outcome.rawValue)
                // The decoder validated the body as UTF-8 JSON, so its bytes are stored as they came.
                row.bindText(7, utf8: event.rawJSON)
            }
            let sequence = db.lastInsertedRowID
            if outcome == .applied, let record {
                if entry.pending == nil { dirtyOrder.append(change.taskArn) }
                entry.record = record
                entry.pending = (sequence, receivedAt)
            }
            tasks[change.taskArn] = entry
            results.append(AppendResult(sequence: sequence, outcome: outcome, taskArn: change.taskArn))
        }
        return results
    }

    /// Forgets a task whose row this batch deleted, here and in the writer's cache, so a later event
    /// of it inserts a row instead of updating one that is gone. (Dropping it from the cache before
    /// the commit is safe either way: a miss only costs a read.)
    mutating func forgetTask(arn: String) {
        tasks[arn] = nil
        cache.remove(arn: arn)
    }

    /// The batch's entry for a task: from this batch, else the writer's cache, else the database.
    private func taskEntry(arn: String) throws -> TaskEntry {
        if let known = tasks[arn] { return known }
        if let cached = cache.record(arn: arn) { return TaskEntry(record: cached, stored: true) }
        let select = try db.cachedStatement(sql: TaskRecord.selectByArnSQL)
        guard try RawBinding.hasRow(select, in: db, { $0.bind(1, arn) }) else {
            return TaskEntry(record: nil, stored: false)
        }
        let record = try Row.fetchOne(select, arguments: [arn]).map {
            try TaskRecord(journalRow: $0, decoder: decoder)
        }
        return TaskEntry(record: record, stored: record != nil)
    }

    /// Writes every changed task and marks its work key (``WorkKey/task(arn:)``) (once per batch: one
    /// generation bump says "something newer arrived", however many events did).
    mutating func flush() throws {
        guard !dirtyOrder.isEmpty else { return }
        let mark = try db.cachedStatement(sql: WorkItem.markSQL)
        for arn in dirtyOrder {
            guard var entry = tasks[arn], let pending = entry.pending, let record = entry.record else { continue }
            if entry.stored {
                try RawBinding.execute(try db.cachedStatement(sql: TaskRecord.updateSQL), in: db) { row in
                    record.bindUpdate(to: row, lastSequence: pending.sequence)
                }
            } else {
                try RawBinding.execute(try db.cachedStatement(sql: TaskRecord.insertSQL), in: db) { row in
                    record.bindInsert(to: row, lastSequence: pending.sequence)
                }
            }
            entry.stored = true
            entry.pending = nil
            tasks[arn] = entry
            try RawBinding.execute(mark, in: db) { row in
                row.bind(1, WorkKey.task(arn: arn).rawValue)
                row.bind(2, JournalTime.seconds(pending.at))
            }
        }
        dirtyOrder.removeAll(keepingCapacity: true)
    }

    // MARK: - Work keys

    private func mark(_ keys: [String], at: Date) throws {
        let mark = try db.cachedStatement(sql: WorkItem.markSQL)
        for key in keys {
            mark.setUncheckedArguments([key, JournalTime.seconds(at)])
            try mark.execute()
        }
    }

    private func workItem(key: String) throws -> WorkItem? {
        let select = try db.cachedStatement(sql: "SELECT \(WorkItem.journalColumns) FROM work WHERE key = ?")
        return try Row.fetchOne(select, arguments: [key]).map(WorkItem.init(journalRow:))
    }

    /// Records a worker's attempt. Success settles the key only if no newer event bumped its
    /// generation meanwhile; failure counts the attempt and either schedules a retry or parks it.
    private func recordAttempt(_ attempt: WorkAttempt) throws -> WorkItem? {
        guard let stored = try workItem(key: attempt.key) else {
            throw JournalError.notFound.with(message: "no work key '\(attempt.key)'")
        }
        let item = attempt.settle(stored)
        try db.execute(
            sql: """
                UPDATE work SET state = ?, attempts = ?, last_error = ?, last_error_class = ?, not_before = ?,
                    updated_at = ?
                WHERE key = ?
                """,
            arguments: [item.state.rawValue, item.attempts, item.lastError, item.lastErrorClass?.rawValue,
                        JournalTime.seconds(item.notBefore), JournalTime.seconds(item.updatedAt), item.key])
        return item
    }
}
