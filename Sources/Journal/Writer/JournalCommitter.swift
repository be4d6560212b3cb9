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
            let (outputs, committedTasks) = try dbWriter.writeWithoutTransaction { db in
                if restartWAL {
                    // Copies what the background checkpoint has not, so this transaction restarts the WAL.
                    _ = try? db.checkpoint(.passive)
                }
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
            taskCache.merge(committedTasks)
            health.recordSuccess()
            counters.recordCommit(operations)
            checkpointer?.noteCommit()
            return outputs
        } catch {
            counters.recordFailure()
            health.recordFailure(Self.failure(error))
            throw error
        }
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
    private struct Counts: Sendable {
        var commits = 0
        var failedCommits = 0
        var events = 0
    }

    private let counts = Mutex(Counts())

    package init() {}

    func recordCommit(_ operations: [WriteOperation]) {
        var events = 0
        for case .append(let appended, _) in operations { events += appended.count }
        recordCommit(events: events)
    }

    /// One committed transaction that carried `events` events.
    package func recordCommit(events: Int) {
        counts.withLock {
            $0.commits += 1
            $0.events += events
        }
    }

    package func recordFailure() {
        counts.withLock { $0.failedCommits += 1 }
    }

    package var snapshot: (commits: Int, failedCommits: Int, events: Int) {
        counts.withLock { ($0.commits, $0.failedCommits, $0.events) }
    }
}
