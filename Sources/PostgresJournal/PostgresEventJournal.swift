import Foundation
public import Journal
public import Logging
import PostgresNIO
import Synchronization

/// The journal on PostgreSQL: the SQLite journal's tables and semantics in one database that
/// several replicas share.
///
/// - A write returns only after its transaction's `COMMIT` returned with `synchronous_commit=on`
///   (set for every session of the journal's pool at connect time, and checked when opening).
/// - Writes of one replica are group-committed by the same ``GroupCommitWriter`` as the SQLite
///   journal (same budgets and backpressure), one transaction per batch, one or several batches
///   at once (``PostgresJournalConfiguration/concurrentCommits``), each in a few round trips:
///   events are inserted by one `unnest` statement, tasks read by one `= ANY`, upserted by one
///   statement, work keys marked by one statement.
/// - Events fold with ``TaskFold`` in task order by `detail.version`. Replicas folding events of
///   the same task at once are serialized by one transaction-scoped advisory lock per task ARN,
///   taken in sorted order by one statement before the tasks are read.
/// - Every transaction that marks work keys sends `NOTIFY mesh_work` (`mesh_work_<schema>` outside
///   `public`) with the keys (or an empty payload when they do not fit in 8000 bytes);
///   ``workSignals()`` listens on its own connection.
/// - Writes that record work may carry a ``WorkFence``: the epoch it gives is checked inside the
///   transaction against `mesh_leader_lease` (`FOR SHARE`), and the write is refused with
///   ``JournalError/fenced`` when a newer term began.
/// - A failure of the server (restart, network) fails writes with a retryable
///   ``JournalError/unavailable`` while it lasts; the pool reconnects and writes work again.
///
/// The journal owns its `PostgresClient` and runs it until ``close()``.
public final class PostgresEventJournal: OperationJournal {
    let client: PostgresClient
    package let logger: Logger
    let writer: GroupCommitWriter<PostgresWrite, WriteOutput>
    let counters: CommitCounters
    let health: JournalWriteHealth
    let signals: PostgresWorkSignals
    private let tasks: Mutex<[Task<Void, Never>]>
    private let isClosed = Mutex(false)

    /// Connects, checks that commits are durable, migrates the schema (once, whatever the number of
    /// replicas starting at the same moment), and starts listening for work signals.
    ///
    /// - Throws: ``JournalError/openFailed`` when the server cannot be reached or would not make
    ///   commits durable, ``JournalError/migrationFailed`` when the schema cannot be brought up to date.
    public static func open(configuration: PostgresJournalConfiguration,
                            logger: Logger) async throws(JournalError) -> PostgresEventJournal {
        var clientConfiguration = configuration.client
        clientConfiguration.options.additionalStartupParameters.append(("synchronous_commit", "on"))
        clientConfiguration.options.maximumConnections = max(3, clientConfiguration.options.maximumConnections)
        let client = PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
        let runner = Task { await client.run() }
        do {
            try await withDeadline(configuration.writeTimeout * 4) {
                try await PostgresSchema.verifyDurability(client, logger: logger)
            }
        } catch {
            runner.cancel()
            throw JournalError.postgres(error, fallback: .openFailed)
        }
        let schema: String
        do {
            _ = try await PostgresSchema.migrate(client, logger: logger)
            schema = try await PostgresSchema.currentSchema(client, logger: logger)
        } catch {
            runner.cancel()
            let failure = JournalError.postgres(error, fallback: .migrationFailed)
            logger.info("Journal migration failed", metadata: ["db.error": "\(failure)"])
            throw failure
        }
        let journal = PostgresEventJournal(client: client, configuration: configuration, runner: runner,
                                           channel: PostgresWorkSignals.channel(schema: schema), logger: logger)
        await journal.startListening()
        logger.info("Journal opened on PostgreSQL", metadata: [
            "db.host": "\(clientConfiguration.host ?? "-")", "db.database": "\(clientConfiguration.database ?? "-")",
        ])
        return journal
    }

    private init(client: PostgresClient, configuration: PostgresJournalConfiguration, runner: Task<Void, Never>,
                 channel: String, logger: Logger) {
        let counters = CommitCounters()
        let health = JournalWriteHealth(logger: logger)
        let committer = PostgresCommitter(client: client, logger: logger, counters: counters, health: health,
                                          timeout: configuration.writeTimeout, channel: channel)
        self.client = client
        self.logger = logger
        self.counters = counters
        self.health = health
        self.signals = PostgresWorkSignals(channel: channel, logger: logger)
        self.tasks = Mutex([runner])
        self.writer = GroupCommitWriter(
            maxBatchWeight: configuration.maxBatchSize, maxBackgroundWeight: JournalConfiguration.maxBackgroundBatchSize,
            maxQueuedWeight: [.ingest: configuration.maxQueuedEvents, .worker: configuration.maxQueuedWorkerWrites,
                              .health: configuration.maxQueuedWorkerWrites],
            health: health, committers: Self.committers(configuration),
            commit: JournalCommitReport.observed(committer.commit, by: configuration.commitObserver))
    }

    /// Concurrent commits, leaving the pool one connection for `LISTEN` and one for reads.
    static func committers(_ configuration: PostgresJournalConfiguration) -> Int {
        let pool = max(3, configuration.client.options.maximumConnections)
        return max(1, min(configuration.concurrentCommits, pool - 2))
    }

    deinit {
        writer.closeWithoutWaiting()
        for task in tasks.withLock({ $0 }) { task.cancel() }
    }

    /// Starts the `LISTEN` loop and returns once it listens.
    private func startListening() async {
        let (ready, readyContinuation) = AsyncStream<Void>.makeStream()
        let listener = Task { [client, signals] in
            await signals.listen(client: client, ready: readyContinuation)
        }
        tasks.withLock { $0.append(listener) }
        for await _ in ready { break }
    }

    /// Stops accepting writes, commits everything already queued, stops listening and disconnects.
    /// Later writes throw ``JournalError/closed``; so do reads.
    public func close() async {
        await writer.close()
        isClosed.withLock { $0 = true }
        signals.finish()
        for task in tasks.withLock({ $0 }) { task.cancel() }
        logger.info("Journal closed")
    }

    /// Counters of the writer, for metrics and tests.
    public var statistics: JournalStatistics {
        JournalStatistics(writer: writer.statistics, commits: counters.snapshot)
    }

    // MARK: - Write health

    /// Whether writes work: `healthy`, or `failing` while the server cannot be reached (the next
    /// committed transaction makes it healthy again). A PostgreSQL failure never stops the journal.
    public var writeStatus: JournalWriteStatus { health.status }

    /// Suspends until a fatal write failure stops the journal (never, on PostgreSQL: the server
    /// keeps the data safe); `nil` when the calling task is cancelled.
    public func writesStopped() async -> JournalError? {
        await health.waitUntilStopped()
    }

    /// Commits an empty transaction through the writer, so that a `failing` journal learns whether
    /// writes work again even when nothing else writes (readiness calls this).
    @discardableResult
    public func probeWrites() async -> JournalWriteStatus {
        _ = try? await perform(PostgresWrite(kind: .operation(.probe), epoch: nil))
        return writeStatus
    }

    /// A stream of the work keys that committed transactions of any replica marked pending (this
    /// one's included), from `NOTIFY mesh_work`. An empty array means "keys unknown: re-read the
    /// pending work" (the keys did not fit in a notification, or the listener reconnected and may
    /// have missed some). A hint only; ends when the journal closes.
    public func workSignals() -> AsyncStream<[String]> {
        signals.subscribe()
    }

    // MARK: - Plumbing

    /// Queues a write and waits until its batch committed.
    func perform(_ write: PostgresWrite) async throws(JournalError) -> WriteOutput {
        try await writer.submit(write, weight: write.weight, budget: write.budget).get()
    }

    /// Queues `operation`, stamped with the epoch of `fence` when one is given (its refusal is thrown
    /// before anything is queued).
    package func perform(_ operation: WriteOperation, fence: (any WorkFence)?) async throws(JournalError) -> WriteOutput {
        try await perform(PostgresWrite(kind: .operation(operation), epoch: try Self.epoch(of: fence)))
    }

    static func epoch(of fence: (any WorkFence)?) throws(JournalError) -> Int64? {
        guard let fence else { return nil }
        do {
            return try fence.epochForWork()
        } catch {
            throw JournalError.fenced.with(message: "this replica must not record work now: \(error)")
        }
    }

    /// Runs a read on a pooled connection; the calling task suspends. A cancelled caller gets
    /// ``JournalError/cancelled``; a server that cannot be reached ``JournalError/unavailable``.
    func read<T: Sendable>(_ body: @escaping @Sendable (PostgresClient) async throws -> T) async throws(JournalError) -> T {
        guard !isClosed.withLock({ $0 }) else { throw JournalError.closed }
        do {
            return try await body(client)
        } catch {
            throw JournalError.postgres(error)
        }
    }
}
