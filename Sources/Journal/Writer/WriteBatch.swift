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
    let db: Database
    private let encoder = JSONEncoder()
    private let decoder = JSONDecoder()
    /// Known state per task arn; `.some(nil)` caches "no such task".
    private var tasks: [String: TaskRecord?] = [:]
    /// Changed tasks not yet written, in first-change order, with the sequence and time of the change.
    private var dirtyTasks: [String: (sequence: Int64, at: Date)] = [:]
    private var dirtyOrder: [String] = []

    init(db: Database) {
        self.db = db
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
        case .startAttempt(let key, let at):
            try flush()
            return .workItem(try startAttempt(key: key, at: at))
        case .recordAttempt(let attempt):
            try flush()
            return .workItem(try recordAttempt(attempt))
        case .upsertService(let service):
            try upsert(service)
            return .done
        case .upsertTaskMeta(let meta):
            try upsert(meta)
            return .done
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
            let current = try task(arn: change.taskArn)
            let (outcome, record) = TaskFold.fold(change, into: current)
            insert.setUncheckedArguments([
                receivedSeconds, change.eventID, change.taskArn, change.version,
                change.lastStatus.rawValue, outcome.rawValue, String(decoding: event.rawJSON, as: UTF8.self),
            ])
            try insert.execute()
            let sequence = db.lastInsertedRowID
            if outcome == .applied, let record {
                tasks[change.taskArn] = .some(record)
                if dirtyTasks.updateValue((sequence, receivedAt), forKey: change.taskArn) == nil {
                    dirtyOrder.append(change.taskArn)
                }
            }
            results.append(AppendResult(sequence: sequence, outcome: outcome, taskArn: change.taskArn))
        }
        return results
    }

    private mutating func task(arn: String) throws -> TaskRecord? {
        if let cached = tasks[arn] { return cached }
        let select = try db.cachedStatement(sql: TaskRecord.selectByArnSQL)
        let record = try Row.fetchOne(select, arguments: [arn]).map {
            try TaskRecord(journalRow: $0, decoder: decoder)
        }
        tasks[arn] = .some(record)
        return record
    }

    /// Writes every changed task and marks its work key `task:<arn>` (once per batch: one
    /// generation bump says "something newer arrived", however many events did).
    mutating func flush() throws {
        guard !dirtyOrder.isEmpty else { return }
        let upsert = try db.cachedStatement(sql: TaskRecord.upsertSQL)
        let mark = try db.cachedStatement(sql: WorkItem.markSQL)
        for arn in dirtyOrder {
            guard let change = dirtyTasks[arn], let record = tasks[arn] ?? nil else { continue }
            upsert.setUncheckedArguments(try record.journalArguments(lastSequence: change.sequence, encoder: encoder))
            try upsert.execute()
            mark.setUncheckedArguments(["task:" + arn, JournalTime.seconds(change.at)])
            try mark.execute()
        }
        dirtyTasks.removeAll(keepingCapacity: true)
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

    /// Claims a pending (or resumed running) key; `nil` if it is unknown, done or parked.
    private func startAttempt(key: String, at: Date) throws -> WorkItem? {
        try db.execute(
            sql: "UPDATE work SET state = 'running', updated_at = ? WHERE key = ? AND state IN ('pending', 'running')",
            arguments: [JournalTime.seconds(at), key])
        guard db.changesCount > 0 else { return nil }
        return try workItem(key: key)
    }

    /// Records a worker's attempt. Success settles the key only if no newer event bumped its
    /// generation meanwhile; failure counts the attempt and either schedules a retry or parks it.
    private func recordAttempt(_ attempt: WorkAttempt) throws -> WorkItem? {
        guard var item = try workItem(key: attempt.key) else {
            throw JournalError.notFound.with(message: "no work key '\(attempt.key)'")
        }
        let current = item.generation == attempt.generation
        if attempt.succeeded {
            item.state = current ? .done : .pending
            item.attempts = 0
            item.lastError = nil
            item.notBefore = nil
        } else {
            item.state = attempt.parked && current ? .failed : .pending
            item.attempts += 1
            item.lastError = attempt.error
            item.notBefore = attempt.notBefore
        }
        item.updatedAt = attempt.at
        try db.execute(
            sql: """
                UPDATE work SET state = ?, attempts = ?, last_error = ?, not_before = ?, updated_at = ?
                WHERE key = ?
                """,
            arguments: [item.state.rawValue, item.attempts, item.lastError, JournalTime.seconds(item.notBefore),
                        JournalTime.seconds(item.updatedAt), item.key])
        return item
    }
}
