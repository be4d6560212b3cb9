import GRDB
import Logging
import MeshModel
import Synchronization

/// Runs the batches of the ``GroupCommitWriter`` as SQLite transactions.
///
/// Fast path: the whole batch in one `write` transaction (one fsync). If that transaction fails for a
/// reason that is not the database's own (a constraint, a bug in one operation), every operation is
/// retried in a transaction of its own, so one bad request cannot fail its neighbours. If the
/// database itself failed, the whole batch gets ``JournalError/unavailable`` (503, never 202).
/// Every transaction's outcome goes to the shared ``JournalWriteHealth``: a lock that passes
/// (`SQLITE_BUSY`) only marks the journal failing until the next commit, while a fatal failure
/// (I/O error, disk full, corruption) stops the writer for good.
///
/// The writer connection waits at most ``JournalConfiguration/writerBusyTimeout`` for a lock that
/// another connection holds, so a stray writer (an operator's `sqlite3` shell) costs one batch a
/// 503, not seconds of every request behind it.
///
/// Checkpoints of a file database run beside the writer (``WALCheckpointer``), not inside a commit.
///
/// Holds no reference to ``EventJournal``, so dropping the journal ends the writer.
struct JournalCommitter: Sendable {
    let dbWriter: any DatabaseWriter
    let logger: Logger
    let counters: CommitCounters
    let taskCache: TaskCache
    let checkpointer: WALCheckpointer?
    let health: JournalWriteHealth
    /// The writer connection's `synchronous` setting, switched per batch (``WriteOperation/isRederivable``).
    private let synchronous = SynchronousMode()

    init(dbWriter: any DatabaseWriter, logger: Logger, counters: CommitCounters, taskCache: TaskCache,
         health: JournalWriteHealth) {
        self.dbWriter = dbWriter
        self.logger = logger
        self.counters = counters
        self.taskCache = taskCache
        self.health = health
        self.checkpointer = Self.makeCheckpointer(dbWriter, health: health, logger: logger)
    }

    /// For a file database: autocheckpoint off on the writer, checkpoints on a second connection.
    /// If that cannot be set up, SQLite's autocheckpoint stays on (slower p99, same durability).
    private static func makeCheckpointer(_ dbWriter: any DatabaseWriter, health: JournalWriteHealth,
                                         logger: Logger) -> WALCheckpointer? {
        guard let pool = dbWriter as? DatabasePool else { return nil }
        do {
            try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
            return try WALCheckpointer(path: pool.path, health: health, logger: logger)
        } catch {
            try? pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_autocheckpoint = 1000") }
            logger.info("Journal checkpoints stay inside commits", metadata: [
                "db.error": "\(JournalError.mapping(error))",
            ])
            return nil
        }
    }

    /// Commits one batch; blocks the calling thread (the writer's own) until it is durable.
    func commit(_ operations: [WriteOperation]) -> [Result<WriteOutput, JournalError>] {
        do {
            let outputs = try transaction(operations)
            return outputs.map { .success($0) }
        } catch {
            let failure = Self.failure(error)
            logger.info("Journal transaction failed", metadata: [
                "db.error": "\(failure)", "db.batch.operations": "\(operations.count)",
            ])
            if failure.isRetryable || operations.count == 1 {
                return Array(repeating: .failure(failure), count: operations.count)
            }
            var results: [Result<WriteOutput, JournalError>] = []
            results.reserveCapacity(operations.count)
            for operation in operations {
                do {
                    results.append(.success(try transaction([operation])[0]))
                } catch {
                    results.append(.failure(Self.failure(error)))
                }
            }
            return results
        }
    }

    private func transaction(_ operations: [WriteOperation]) throws -> [WriteOutput] {
        do {
            let restartWAL = checkpointer?.takeRestartRequest() ?? false
            let relaxed = operations.allSatisfy(\.isRederivable)
            let (outputs, committedTasks) = try dbWriter.writeWithoutTransaction { db in
                if restartWAL {
                    // Copies what the background checkpoint has not, so this transaction restarts the WAL.
                    _ = try? db.checkpoint(.passive)
                }
                try synchronous.set(full: !relaxed, on: db)
                let applied = Result { try Self.apply(operations, db: db, taskCache: taskCache) }
                if relaxed {
                    // Back to FULL for whatever uses the connection next; if that fails, the next
                    // durable batch switches before its transaction.
                    try? synchronous.set(full: true, on: db)
                }
                return try applied.get()
            }
            taskCache.merge(committedTasks)
            health.recordSuccess()
            counters.recordCommit(operations, relaxed: relaxed)
            checkpointer?.noteCommit()
            return outputs
        } catch {
            counters.recordFailure()
            health.recordFailure(Self.failure(error))
            throw error
        }
    }

    /// Applies `operations` in one transaction of `db`; returns their outputs and the tasks it wrote.
    private static func apply(_ operations: [WriteOperation], db: Database, taskCache: TaskCache)
        throws -> ([WriteOutput], [String: TaskRecord]) {
        var outputs: [WriteOutput] = []
        var committedTasks: [String: TaskRecord] = [:]
        try db.inTransaction {
            var batch = WriteBatch(db: db, cache: taskCache)
            outputs.removeAll(keepingCapacity: true)
            outputs.reserveCapacity(operations.count)
            for operation in operations {
                outputs.append(try batch.apply(operation))
            }
            try batch.flush()
            committedTasks = batch.knownTasks
            return .commit
        }
        return (outputs, committedTasks)
    }

    /// Database-wide failures become `.unavailable` (503: try again later); the rest keep their code.
    private static func failure(_ error: any Error) -> JournalError {
        let mapped = JournalError.mapping(error)
        guard mapped.isDatabaseWide, mapped != .closed else { return mapped }
        return JournalError.unavailable.with(message: mapped.message, extendedResultCode: mapped.extendedResultCode)
    }
}

/// Counts committed and failed transactions, for metrics and for tests that prove batching.
package final class CommitCounters: Sendable {
    /// The counts so far.
    package struct Snapshot: Sendable, Equatable {
        package var commits = 0
        /// Of ``commits``, those without an fsync of their own (bookkeeping alone).
        package var relaxedCommits = 0
        package var failedCommits = 0
        package var events = 0
    }

    private let counts = Mutex(Snapshot())

    package init() {}

    func recordCommit(_ operations: [WriteOperation], relaxed: Bool) {
        var events = 0
        for case .append(let appended, _) in operations { events += appended.count }
        recordCommit(events: events, relaxed: relaxed)
    }

    /// One committed transaction that carried `events` events.
    package func recordCommit(events: Int, relaxed: Bool = false) {
        counts.withLock {
            $0.commits += 1
            $0.events += events
            if relaxed { $0.relaxedCommits += 1 }
        }
    }

    package func recordFailure() {
        counts.withLock { $0.failedCommits += 1 }
    }

    package var snapshot: Snapshot { counts.withLock { $0 } }
}

/// The writer connection's `PRAGMA synchronous`, as last set: FULL (an fsync of the write-ahead log
/// per commit) for anything acknowledged, NORMAL (no fsync of its own) for a batch of only
/// bookkeeping the controller can redo. A relaxed batch switches back right after its commit, and
/// a durable batch checks before its transaction, so a failed switch fails that batch instead of
/// committing it without its fsync.
final class SynchronousMode: Sendable {
    private let isFull = Mutex(true)

    func set(full: Bool, on db: Database) throws {
        guard isFull.withLock({ $0 != full }) else { return }
        try db.execute(sql: full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
        isFull.withLock { $0 = full }
    }
}
