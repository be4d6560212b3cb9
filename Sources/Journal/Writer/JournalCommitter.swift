import GRDB
import Logging
import Synchronization

/// Runs the batches of the ``GroupCommitWriter`` as SQLite transactions.
///
/// Fast path: the whole batch in one `write` transaction (one fsync). If that transaction fails for a
/// reason that is not the database's own (a constraint, a bug in one operation), every operation is
/// retried in a transaction of its own, so one bad request cannot fail its neighbours. If the
/// database itself failed (disk full, I/O error, corruption), the whole batch gets
/// ``JournalError/unavailable`` and the writer keeps going with later batches.
///
/// Holds no reference to ``EventJournal``, so dropping the journal ends the writer.
struct JournalCommitter: Sendable {
    let dbWriter: any DatabaseWriter
    let logger: Logger
    let counters: CommitCounters
    let taskCache: TaskCache

    func commit(_ operations: [WriteOperation]) async -> [Result<WriteOutput, JournalError>] {
        do {
            let outputs = try await transaction(operations)
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
                    results.append(.success(try await transaction([operation])[0]))
                } catch {
                    results.append(.failure(Self.failure(error)))
                }
            }
            return results
        }
    }

    private func transaction(_ operations: [WriteOperation]) async throws -> [WriteOutput] {
        do {
            let (outputs, committedTasks) = try await dbWriter.write { db in
                var batch = WriteBatch(db: db, cache: taskCache)
                var outputs: [WriteOutput] = []
                outputs.reserveCapacity(operations.count)
                for operation in operations {
                    outputs.append(try batch.apply(operation))
                }
                try batch.flush()
                return (outputs, batch.knownTasks)
            }
            taskCache.merge(committedTasks)
            counters.recordCommit(operations)
            return outputs
        } catch {
            counters.recordFailure()
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
final class CommitCounters: Sendable {
    private struct Counts: Sendable {
        var commits = 0
        var failedCommits = 0
        var events = 0
    }

    private let counts = Mutex(Counts())

    func recordCommit(_ operations: [WriteOperation]) {
        var events = 0
        for case .append(let appended, _) in operations { events += appended.count }
        counts.withLock {
            $0.commits += 1
            $0.events += events
        }
    }

    func recordFailure() {
        counts.withLock { $0.failedCommits += 1 }
    }

    var snapshot: (commits: Int, failedCommits: Int, events: Int) {
        counts.withLock { ($0.commits, $0.failedCommits, $0.events) }
    }
}
