import Dispatch
import Journal
import Logging
import PostgresNIO
import Synchronization

/// Runs the batches of the ``GroupCommitWriter`` as PostgreSQL transactions.
///
/// A writer thread blocks in ``commit(_:)`` while the transaction runs on PostgresNIO's event
/// loop (the writer threads are the journal's own, never cooperative ones). Several threads may
/// commit at once (``PostgresJournalConfiguration/concurrentCommits``), each transaction on a pooled
/// connection of its own: batches of the same task then meet at its advisory lock, as batches of
/// two replicas do, and fold one after the other (``PostgresBatch/append(_:)``). As in the SQLite
/// journal: the whole batch in one transaction; if that fails for a reason that is not the
/// database's own (a constraint, a bug in one operation), every write is retried in a transaction
/// of its own, so one bad request cannot fail its neighbours; if the database failed, the whole
/// batch gets ``JournalError/unavailable`` (503, never 202). A transaction rolled back for a
/// conflict with another replica's (deadlock, serialization failure) is run again, up to
/// ``conflictRetries`` times.
struct PostgresCommitter: Sendable {
    static let conflictRetries = 3

    let client: PostgresClient
    let logger: Logger
    let counters: CommitCounters
    let health: JournalWriteHealth
    let timeout: Duration
    let channel: String
    let leaseTable = LeaseTablePresence()

    /// Commits one batch; blocks the calling thread (the writer's own) until it is durable or failed.
    func commit(_ writes: [PostgresWrite]) -> [Result<WriteOutput, JournalError>] {
        let outcome = Mutex<[Result<WriteOutput, JournalError>]>([])
        let done = DispatchSemaphore(value: 0)
        Task {
            let results = await commitAsync(writes)
            outcome.withLock { $0 = results }
            done.signal()
        }
        done.wait()
        return outcome.withLock { $0 }
    }

    private func commitAsync(_ writes: [PostgresWrite]) async -> [Result<WriteOutput, JournalError>] {
        do {
            return try await transaction(writes)
        } catch {
            logger.info("Journal transaction failed", metadata: [
                "db.error": "\(error)", "db.batch.operations": "\(writes.count)",
            ])
            if error.isDatabaseWide || writes.count == 1 {
                return Array(repeating: .failure(error), count: writes.count)
            }
            var results: [Result<WriteOutput, JournalError>] = []
            results.reserveCapacity(writes.count)
            for write in writes {
                do {
                    results.append(try await transaction([write])[0])
                } catch {
                    results.append(.failure(error))
                }
            }
            return results
        }
    }

    private func transaction(_ writes: [PostgresWrite]) async throws(JournalError) -> [Result<WriteOutput, JournalError>] {
        var conflicts = 0
        while true {
            do {
                let results = try await withDeadline(timeout) { [client, logger, leaseTable, channel] in
                    try await client.withTransaction(logger: logger) { connection in
                        var batch = PostgresBatch(connection: connection, logger: logger, leaseTable: leaseTable,
                                                  channel: channel)
                        return try await batch.apply(writes)
                    }
                }
                health.recordSuccess()
                counters.recordCommit(events: Self.committedEvents(writes, results))
                return results
            } catch {
                let failure = JournalError.postgres(error)
                counters.recordFailure()
                if failure.isPostgresConflict, conflicts < Self.conflictRetries {
                    conflicts += 1
                    continue
                }
                health.recordFailure(failure)
                throw failure
            }
        }
    }

    private static func committedEvents(_ writes: [PostgresWrite], _ results: [Result<WriteOutput, JournalError>]) -> Int {
        var events = 0
        for (write, result) in zip(writes, results) {
            if case .success = result, let appended = write.appended { events += appended.events.count }
        }
        return events
    }
}

/// Whether `mesh_leader_lease` exists (leader election creates it): once seen, it stays, so fenced
/// transactions stop asking.
final class LeaseTablePresence: Sendable {
    private let seen = Mutex(false)

    var isKnown: Bool { seen.withLock { $0 } }

    func markSeen() {
        seen.withLock { $0 = true }
    }
}
