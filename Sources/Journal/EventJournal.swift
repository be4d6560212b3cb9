import GRDB
public import Logging
import Synchronization

/// The durable journal: received events, the task state folded from them, and the work keys the
/// workers converge — all in one SQLite database, written by one group-committing writer. The
/// embedded ``JournalStore`` (one process: the file's lock keeps a second writer out).
///
/// Writes (``append(_:receivedAt:)``, work keys, services) go through a single writer that commits
/// whatever queued up during the previous commit in one transaction, so one fsync acknowledges many
/// requests; each call returns only once its transaction is durable (DESIGN principle 1). Scans and
/// listings run concurrently on the pool's reader connections while the calling task suspends; a
/// lookup of one row by key runs on the calling thread, on a read-only connection of its own
/// (``PointLookups``).
///
/// A fatal write failure (I/O error, full disk, corruption) stops every write for good
/// (``writeStatus``, ``writesStopped()``): the application must exit so that the orchestrator
/// restarts it, and the next open verifies the file (`PRAGMA quick_check`) before serving.
///
/// ```swift
/// let journal = try EventJournal(configuration: .init(path: "/var/lib/mesh/journal.sqlite"), logger: logger)
/// let results = try await journal.append(events, receivedAt: .now) // durable when this returns
/// await journal.close()
/// ```
public final class EventJournal: OperationJournal {
    let dbWriter: any DatabaseWriter
    package let logger: Logger
    let writer: GroupCommitWriter<WriteOperation, WriteOutput>
    let counters: CommitCounters
    let health: JournalWriteHealth
    /// Where each commit's marked keys go (``workSignals()``).
    let signals: WorkSignalHub
    /// The connection of one-row lookups by key (``lookup(_:arguments:_:)``).
    let lookups: PointLookups
    /// Set by ``close()``: GRDB treats any access to a closed connection as a programmer error and
    /// traps, so reads check this first and throw ``JournalError/closed`` instead.
    private let isClosed = Mutex(false)

    /// Opens (or creates) the database file in WAL mode with `synchronous=FULL`, and migrates it.
    ///
    /// - Throws: ``JournalError/openFailed`` if the file cannot be opened as a database,
    ///   ``JournalError/corrupt`` if it fails `PRAGMA quick_check` (``verify(_:logger:)``),
    ///   ``JournalError/migrationFailed`` if the schema cannot be brought up to date.
    public convenience init(configuration: JournalConfiguration, logger: Logger) throws(JournalError) {
        var config = Configuration()
        config.label = "journal"
        config.maximumReaderCount = max(1, configuration.maxReaderCount)
        // Wait briefly instead of failing at once when another connection to the file holds a lock
        // (a previous instance still closing, an operator's sqlite3 shell running a checkpoint).
        config.busyMode = .timeout(JournalConfiguration.busyTimeout)
        let pool: DatabasePool
        let lookups: PointLookups
        do {
            pool = try DatabasePool(path: configuration.path, configuration: config)
            lookups = try PointLookups(path: configuration.path, busyTimeout: JournalConfiguration.busyTimeout)
            // After opening: GRDB's WAL setup sets synchronous=NORMAL on the writer connection, which
            // would make commits durable only at checkpoints. FULL fsyncs the WAL on every commit.
            let maxPageCount = configuration.maxPageCount
            let synchronous = try pool.writeWithoutTransaction { db in
                if let maxPageCount {
                    try db.execute(sql: "PRAGMA max_page_count = \(max(1, maxPageCount))")
                }
                try db.execute(sql: "PRAGMA synchronous = FULL")
                // A larger page cache keeps a batch's B-tree pages from spilling to the WAL mid-transaction.
                try db.execute(sql: "PRAGMA cache_size = -16384")
                return try Int.fetchOne(db, sql: "PRAGMA synchronous")
            }
            guard synchronous == 2 else {
                throw JournalError.openFailed.with(message: "PRAGMA synchronous is \(synchronous ?? -1), not FULL")
            }
        } catch {
            throw JournalError.mapping(error, fallback: .openFailed)
        }
        try Self.verify(pool, logger: logger)
        try self.init(dbWriter: pool, lookups: lookups, maxBatchSize: configuration.maxBatchSize,
                      maxQueuedEvents: configuration.maxQueuedEvents,
                      maxQueuedWorkerWrites: configuration.maxQueuedWorkerWrites,
                      commitObserver: configuration.commitObserver, logger: logger)
        do {
            // Opening and migrating may wait out a previous instance; the single writer from now on may not.
            let millis = JournalConfiguration.writerBusyTimeout / .milliseconds(1)
            try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA busy_timeout = \(Int(millis))") }
        } catch {
            throw JournalError.mapping(error, fallback: .openFailed)
        }
        logger.info("Journal opened", metadata: ["db.path": "\(configuration.path)"])
    }

    /// A journal in memory (GRDB's `DatabaseQueue()`), for tests: same schema, same writer, no file.
    public static func inMemory(
        maxBatchSize: Int = JournalConfiguration.defaultMaxBatchSize,
        maxQueuedEvents: Int = JournalConfiguration.defaultMaxQueuedEvents,
        logger: Logger
    ) throws(JournalError) -> EventJournal {
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue()
        } catch {
            throw JournalError.mapping(error, fallback: .openFailed)
        }
        return try EventJournal(dbWriter: queue, lookups: PointLookups(sharing: queue), maxBatchSize: maxBatchSize, maxQueuedEvents: maxQueuedEvents,
                                maxQueuedWorkerWrites: JournalConfiguration.defaultMaxQueuedWorkerWrites, logger: logger)
    }

    private init(dbWriter: any DatabaseWriter, lookups: PointLookups, maxBatchSize: Int, maxQueuedEvents: Int, maxQueuedWorkerWrites: Int,
                 commitObserver: (@Sendable (JournalCommitReport) -> Void)? = nil,
                 logger: Logger) throws(JournalError) {
        do {
            try JournalSchema.migrator(logger: logger).migrate(dbWriter)
        } catch {
            let failure = JournalError.mapping(error, fallback: .migrationFailed)
            logger.info("Journal migration failed", metadata: ["db.error": "\(failure)"])
            throw failure
        }
        let counters = CommitCounters()
        let health = JournalWriteHealth(logger: logger)
        let signals = WorkSignalHub()
        let committer = JournalCommitter(dbWriter: dbWriter, logger: logger, counters: counters,
                                         taskCache: TaskCache(), health: health)
        self.dbWriter = dbWriter
        self.lookups = lookups
        self.logger = logger
        self.counters = counters
        self.health = health
        self.signals = signals
        self.writer = GroupCommitWriter(
            maxBatchWeight: maxBatchSize, maxBackgroundWeight: JournalConfiguration.maxBackgroundBatchSize,
            maxQueuedWeight: [.ingest: maxQueuedEvents, .worker: maxQueuedWorkerWrites, .health: maxQueuedWorkerWrites],
            health: health,
            commit: Self.signalling(JournalCommitReport.observed(committer.commit, by: commitObserver), to: signals))
    }

    deinit {
        // Dropped without close(): refuse new writes; the loop still commits what was queued.
        writer.closeWithoutWaiting()
        signals.finish()
    }

    /// Stops accepting writes, commits everything already queued, then closes the database.
    /// Later writes throw ``JournalError/closed``; so do reads.
    public func close() async {
        await writer.close()
        signals.finish()
        isClosed.withLock { $0 = true }
        do {
            try lookups.close()
            try dbWriter.close()
        } catch {
            logger.info("Journal database did not close cleanly", metadata: [
                "db.error": "\(JournalError.mapping(error))",
            ])
        }
        logger.info("Journal closed")
    }

    /// Counters of the writer, for metrics and tests.
    public var statistics: JournalStatistics {
        JournalStatistics(writer: writer.statistics, commits: counters.snapshot)
    }

    /// A new stream of the keys each commit of this process marked pending (see
    /// ``JournalStore/workSignals()``); it ends when the journal closes.
    public func workSignals() -> AsyncStream<[String]> {
        signals.stream()
    }

    // MARK: - Plumbing

    /// `commit`, followed by handing the keys its committed operations marked to `signals`.
    private static func signalling(
        _ commit: @escaping @Sendable ([WriteOperation]) -> [Result<WriteOutput, JournalError>],
        to signals: WorkSignalHub
    ) -> @Sendable ([WriteOperation]) -> [Result<WriteOutput, JournalError>] {
        { operations in
            let results = commit(operations)
            var seen = Set<String>()
            var keys: [String] = []
            for (operation, result) in zip(operations, results) {
                guard case .success(let output) = result else { continue }
                for key in operation.markedKeys(output) where seen.insert(key).inserted { keys.append(key) }
            }
            signals.publish(keys)
            return results
        }
    }

    /// Queues one operation for the group-commit writer, against its own backpressure budget, and
    /// waits until its batch is durable (see ``perform(_:budget:fence:)``).
    package func perform(_ operation: WriteOperation, fence: (any WorkFence)?) async throws(JournalError) -> WriteOutput {
        try await perform(operation, budget: nil, fence: fence)
    }

    /// Queues one operation for the group-commit writer and waits until its batch is durable.
    /// - Parameters:
    ///   - budget: Whose backpressure budget it counts against (`nil`: the operation's own).
    ///   - fence: Asked just before queueing, for a write that records work (one process, one
    ///     writer: its epoch needs no check in the transaction).
    /// - Throws: ``JournalError/fenced`` when the fence refuses (nothing is queued).
    func perform(_ operation: WriteOperation, budget: WriteBudget?,
                 fence: (any WorkFence)?) async throws(JournalError) -> WriteOutput {
        try Self.check(fence)
        return try await writer.submit(operation, weight: operation.weight, budget: budget ?? operation.budget).get()
    }

    /// Asks `fence` whether this process may record work now.
    static func check(_ fence: (any WorkFence)?) throws(JournalError) {
        guard let fence else { return }
        do {
            _ = try fence.epochForWork()
        } catch {
            throw JournalError.fenced.with(message: "the work fence refused the write: \(error)")
        }
    }

    /// A transaction of its own beside the group-commit writer (rare, small writes; GRDB serialises
    /// it with the writer's batches on the one write connection). Refused once a fatal failure
    /// stopped the writes, and its outcome goes to the write health like a batch's.
    func writeBeside<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(JournalError) -> T {
        try ensureOpen()
        if let stopReason = health.stopReason { throw stopReason }
        do {
            let value = try await dbWriter.write(body)
            health.recordSuccess()
            return value
        } catch {
            let failure = JournalError.mapping(error)
            health.recordFailure(failure)
            throw failure
        }
    }

    /// Throws ``JournalError/closed`` after ``close()``, before anything touches a closed connection.
    func ensureOpen() throws(JournalError) {
        guard !isClosed.withLock({ $0 }) else { throw JournalError.closed }
    }

    /// Runs a read on a reader connection (GRDB's async `read`: the calling task suspends instead of
    /// blocking a cooperative thread), translating errors. A cancelled caller gets
    /// ``JournalError/cancelled``.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(JournalError) -> T {
        try ensureOpen()
        do {
            return try await dbWriter.read(body)
        } catch {
            throw JournalError.mapping(error)
        }
    }

    /// The one row `sql` selects by an indexed key, decoded, or `nil`: read on the calling thread,
    /// through a cached statement (``PointLookups`` says why). Scans and listings use ``read(_:)``.
    func lookup<T: Sendable>(_ sql: String, arguments: StatementArguments,
                   _ decode: (Row) throws -> T) throws(JournalError) -> T? {
        try ensureOpen()
        return try lookups.fetchOne(sql, arguments: arguments, decode)
    }
}

/// Counters of the journal's writer.
public struct JournalStatistics: Sendable, Equatable {
    /// Transactions committed (each is one fsync, except the ``relaxedCommits``).
    public var commits: Int
    /// Of ``commits``, those of bookkeeping alone, committed without an fsync of their own
    /// (``WriteOperation/isRederivable``; SQLite only).
    public var relaxedCommits: Int
    /// Transactions that failed and were rolled back.
    public var failedCommits: Int
    /// Events in committed transactions.
    public var committedEvents: Int
    /// Batches the writer took from its queue (a failed batch may take several transactions).
    public var batches: Int
    /// Events (and work keys) waiting for the writer now.
    public var queuedEvents: Int
    /// Events (and work keys) in the transaction being committed now.
    public var inFlightEvents: Int
    /// The largest batch so far, in events.
    public var largestBatch: Int

    public init(commits: Int, relaxedCommits: Int = 0, failedCommits: Int, committedEvents: Int, batches: Int,
                queuedEvents: Int, inFlightEvents: Int, largestBatch: Int) {
        self.commits = commits
        self.relaxedCommits = relaxedCommits
        self.failedCommits = failedCommits
        self.committedEvents = committedEvents
        self.batches = batches
        self.queuedEvents = queuedEvents
        self.inFlightEvents = inFlightEvents
        self.largestBatch = largestBatch
    }

    /// The figures of a journal's writer and of its committed transactions.
    package init<Operation, Output>(writer: GroupCommitWriter<Operation, Output>.Statistics,
                                    commits: CommitCounters.Snapshot) {
        self.init(commits: commits.commits, relaxedCommits: commits.relaxedCommits,
                  failedCommits: commits.failedCommits, committedEvents: commits.events,
                  batches: writer.batches, queuedEvents: writer.queuedWeight, inFlightEvents: writer.inFlightWeight,
                  largestBatch: writer.largestBatch)
    }
}
