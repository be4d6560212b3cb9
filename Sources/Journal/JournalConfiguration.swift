/// How the journal opens its database and how much it queues.
public struct JournalConfiguration: Sendable {
    /// Default for ``maxBatchSize``: large enough to amortise one fsync over many events, small enough
    /// that one transaction stays well under EventBridge's 5 s request timeout.
    public static let defaultMaxBatchSize = 1024
    /// Default for ``maxQueuedEvents``: about half a second of peak load at the measured write rate.
    public static let defaultMaxQueuedEvents = 20_000
    /// Default for ``maxQueuedWorkerWrites``: the workers write one row per attempt, so this leaves
    /// room for a resync's marking of thousands of keys on top of every worker's attempt.
    public static let defaultMaxQueuedWorkerWrites = 20_000
    /// The most bookkeeping (work keys, attempts, health transitions: everything but ingest) one
    /// transaction carries: about a millisecond of rows, so an event's 202 never waits behind a long
    /// commit of worker writes, while a backlog of them still drains at thousands per second.
    public static let maxBackgroundBatchSize = 64

    /// How long a connection waits for a lock held by another connection to the same file (seconds):
    /// well under EventBridge's 5 s request timeout.
    static let busyTimeout: Double = 2

    /// How long the single writer waits for a lock held by another connection before its batch
    /// fails with a retryable ``JournalError/unavailable`` (503). Nothing in this process makes it
    /// wait (readers never block a WAL writer, checkpoints here are passive, and every write goes
    /// through this one connection); only another process does, e.g. an operator's `sqlite3` shell
    /// in a transaction, and then every request queued behind the writer would wait as long.
    static let writerBusyTimeout: Duration = .milliseconds(100)

    /// File path of the SQLite database (its `-wal` and `-shm` files sit beside it).
    public var path: String
    /// The most events (or work-key writes) committed in one transaction.
    public var maxBatchSize: Int = JournalConfiguration.defaultMaxBatchSize
    /// Backpressure: once this many events wait for the writer, `append` throws
    /// ``JournalError/overloaded`` at once (the HTTP layer answers 429).
    public var maxQueuedEvents: Int = JournalConfiguration.defaultMaxQueuedEvents
    /// The workers' own backpressure budget, counted apart from ingest's: once this many work-key,
    /// attempt, service and retention writes wait for the writer, another fails with
    /// ``JournalError/overloaded``. An ingest flood cannot use it up.
    public var maxQueuedWorkerWrites: Int = JournalConfiguration.defaultMaxQueuedWorkerWrites
    /// Connections for concurrent reads (the admin API, workers).
    public var maxReaderCount: Int = 4
    /// Optional cap on the database size in pages (`PRAGMA max_page_count`; pages are 4 KiB). Beyond
    /// it, writes fail with ``JournalError/unavailable`` as on a full disk, before the disk is full.
    public var maxPageCount: Int?
    /// Told once per transaction of the writer (metrics): called on the writer's task right after the
    /// commit, so it must be quick and must not call the journal.
    public var commitObserver: (@Sendable (JournalCommitReport) -> Void)?

    public init(path: String) {
        self.path = path
    }
}

/// One transaction of the journal's writer, for ``JournalConfiguration/commitObserver``.
public struct JournalCommitReport: Sendable, Equatable {
    /// Operations (events and work-key writes) in the batch.
    public var operations: Int
    /// From taking the batch to its results, including the fsync (and per-operation retries).
    public var duration: Duration
    /// Whether every operation of the batch succeeded.
    public var succeeded: Bool

    public init(operations: Int, duration: Duration, succeeded: Bool) {
        self.operations = operations
        self.duration = duration
        self.succeeded = succeeded
    }

    /// `commit`, timed and reported to `observer` once per batch (unchanged when there is none).
    package static func observed<Operation, Output>(
        _ commit: @escaping @Sendable ([Operation]) -> [Result<Output, JournalError>],
        by observer: (@Sendable (JournalCommitReport) -> Void)?
    ) -> @Sendable ([Operation]) -> [Result<Output, JournalError>] {
        guard let observer else { return commit }
        return { operations in
            let started = ContinuousClock.now
            let results = commit(operations)
            let succeeded = results.allSatisfy { if case .success = $0 { true } else { false } }
            observer(JournalCommitReport(operations: operations.count, duration: ContinuousClock.now - started,
                                         succeeded: succeeded))
            return results
        }
    }
}
